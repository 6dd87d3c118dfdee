import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Broker, HealthController, Inbox, MessagingModule, MetricsController, migrateDatabase, Outbox, OutboxRelay, runWhileAppRuns, SERVICE_MIGRATIONS } from '@app/messaging';
import { DataSource } from 'typeorm';
import type { PaymentWorkerConfig } from './config.js';
import { CreatePayments1764400000001 } from './database/migrations/1764400000001-create-payments.js';
import { OrderCreatedHandler, PAYMENTS_INBOX } from './payments/order-created.handler.js';
import { PaymentEntity } from './payments/payment.entity.js';
import { PaymentProviderClient } from './provider/payment-provider.client.js';

@Module({})
export class PaymentWorkerModule {
  static register(config: PaymentWorkerConfig): DynamicModule {
    return {
      module: PaymentWorkerModule,
      imports: [
        MessagingModule.forRoot({ connectionString: config.brokerDatabaseUrl, applicationName: 'payment-worker' }),
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await migrateDatabase(config.paymentsDatabaseUrl, 'messaging', SERVICE_MIGRATIONS);
            return {
              type: 'postgres' as const,
              url: config.paymentsDatabaseUrl,
              entities: [PaymentEntity],
              migrations: [CreatePayments1764400000001],
              migrationsTableName: 'typeorm_migrations',
              migrationsRun: true,
              retryAttempts: 3,
            };
          },
        }),
      ],
      controllers: [OrderCreatedHandler, HealthController, MetricsController],
      providers: [
        { provide: Outbox, useValue: new Outbox({ schema: 'messaging' }) },
        { provide: PAYMENTS_INBOX, inject: [DataSource], useFactory: (dataSource: DataSource) => new Inbox(dataSource) },
        { provide: PaymentProviderClient, useValue: new PaymentProviderClient(config.paymentProviderUrl) },
        runWhileAppRuns('outbox-relay', [Broker], (broker: Broker) =>
          new OutboxRelay({ database: config.paymentsDatabaseUrl, schema: 'messaging', broker }).start(),
        ),
      ],
    };
  }
}
