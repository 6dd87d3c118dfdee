import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Inbox, MessagingModule, migrate, Outbox, SERVICE_MIGRATIONS } from '@app/messaging';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { OrderApiConfig } from './config.js';
import { ordersDataSourceOptions } from './database/data-source.js';
import { BackgroundWorkers } from './outbox-relay.runner.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';
import { ORDERS_INBOX, PaymentEventsHandler } from './payments/payment-events.handler.js';
import { ORDER_API_CONFIG } from './tokens.js';

/** Migrates the service schema (outbox, inbox) of the orders database. */
async function migrateServiceSchema(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(client, 'messaging', SERVICE_MIGRATIONS);
  } finally {
    await client.end();
  }
}

@Module({})
export class OrderApiModule {
  static register(config: OrderApiConfig): DynamicModule {
    return {
      module: OrderApiModule,
      imports: [
        MessagingModule.forRoot({ connectionString: config.brokerDatabaseUrl, applicationName: 'order-api' }),
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await migrateServiceSchema(config.ordersDatabaseUrl);
            return { ...ordersDataSourceOptions(config.ordersDatabaseUrl), migrationsRun: true, retryAttempts: 3 };
          },
        }),
      ],
      controllers: [OrdersController, PaymentEventsHandler],
      providers: [
        { provide: ORDER_API_CONFIG, useValue: config },
        { provide: Outbox, useValue: new Outbox({ schema: 'messaging' }) },
        { provide: ORDERS_INBOX, inject: [DataSource], useFactory: (dataSource: DataSource) => new Inbox(dataSource) },
        OrdersService,
        BackgroundWorkers,
      ],
    };
  }
}
