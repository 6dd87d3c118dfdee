import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  Broker,
  DeadLetterAlerter,
  HealthController,
  MetricsController,
  Inbox,
  MessagingModule,
  migrateDatabase,
  Outbox,
  OutboxRelay,
  runWhileAppRuns,
  SERVICE_MIGRATIONS,
} from '@app/messaging';
import { DataSource } from 'typeorm';
import type { OrderApiConfig } from './config.js';
import { ordersDataSourceOptions } from './database/data-source.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';
import { ORDERS_INBOX, PaymentEventsHandler } from './payments/payment-events.handler.js';

@Module({})
export class OrderApiModule {
  static register(config: OrderApiConfig): DynamicModule {
    return {
      module: OrderApiModule,
      imports: [
        MessagingModule.forRoot({ connectionString: config.brokerDatabaseUrl, applicationName: 'order-api' }),
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await migrateDatabase(config.ordersDatabaseUrl, 'messaging', SERVICE_MIGRATIONS);
            return { ...ordersDataSourceOptions(config.ordersDatabaseUrl), migrationsRun: true, retryAttempts: 3 };
          },
        }),
      ],
      controllers: [OrdersController, PaymentEventsHandler, HealthController, MetricsController],
      providers: [
        { provide: Outbox, useValue: new Outbox({ schema: 'messaging' }) },
        { provide: ORDERS_INBOX, inject: [DataSource], useFactory: (dataSource: DataSource) => new Inbox(dataSource) },
        OrdersService,
        // The outbox relay (orders database -> broker) and the dead-letter alerter run with the API; replicas share
        // their work (SKIP LOCKED).
        runWhileAppRuns('outbox-relay', [Broker], (broker: Broker) =>
          new OutboxRelay({ database: config.ordersDatabaseUrl, schema: 'messaging', broker }).start(),
        ),
        runWhileAppRuns('dead-letter-alerter', [Broker], (broker: Broker) =>
          new DeadLetterAlerter({ broker, webhookUrl: config.alertWebhookUrl }).start(),
        ),
      ],
    };
  }
}
