import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController, MessagingModule, messagingConnection, MetricsModule, OpsModule, ServiceDatabaseModule, structuredLoggerModule } from '@app/messaging';
import type { PaymentWorkerConfig } from './config.js';
import { CreatePayments1764400000001 } from './database/migrations/1764400000001-create-payments.js';
import { OrderCreatedHandler } from './payments/order-created.handler.js';
import { PaymentEntity } from './payments/payment.entity.js';
import { PaymentProviderClient } from './provider/payment-provider.client.js';

@Module({})
export class PaymentWorkerModule {
  static register(config: PaymentWorkerConfig): DynamicModule {
    return {
      module: PaymentWorkerModule,
      imports: [
        structuredLoggerModule('payment-worker'),
        MetricsModule.forRoot(),
        OpsModule.forRoot({ port: config.opsPort, host: config.opsHost }),
        // order-api runs the broker's housekeeping: its role may delete expired queues, this worker's may not.
        MessagingModule.forRoot({ ...messagingConnection(config, { applicationName: 'payment-worker', migrate: config.migrateOnStart }), housekeeping: false }),
        ServiceDatabaseModule.forRoot({ url: config.paymentsDatabaseUrl, entities: [PaymentEntity], migrations: [CreatePayments1764400000001], migrate: config.migrateOnStart }),
      ],
      controllers: [OrderCreatedHandler, HealthController],
      providers: [{ provide: PaymentProviderClient, useValue: new PaymentProviderClient(config.paymentProviderUrl) }],
    };
  }
}
