import { DataSource, type DataSourceOptions } from 'typeorm';
import { IdempotencyKeyEntity } from '../orders/idempotency-key.entity.js';
import { OrderItemEntity } from '../orders/order-item.entity.js';
import { OrderEntity } from '../orders/order.entity.js';
import { CreateOrders1764400000000 } from './migrations/1764400000000-create-orders.js';

/** The order service's database: its entities and migrations (run at boot). */
export function ordersDataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [OrderEntity, OrderItemEntity, IdempotencyKeyEntity],
    migrations: [CreateOrders1764400000000],
    migrationsTableName: 'typeorm_migrations',
    poolSize: 10,
  };
}

export function ordersDataSource(url: string): DataSource {
  return new DataSource(ordersDataSourceOptions(url));
}
