import { IdempotencyKeyEntity } from '../orders/idempotency-key.entity.js';
import { OrderItemEntity } from '../orders/order-item.entity.js';
import { OrderEntity } from '../orders/order.entity.js';
import { CreateOrders1764400000000 } from './migrations/1764400000000-create-orders.js';
import { ScopeIdempotencyKeys1764900000000 } from './migrations/1764900000000-scope-idempotency-keys.js';

/** The order service's entities and migrations (its database is set up by ServiceDatabaseModule). */
export const ORDERS_ENTITIES = [OrderEntity, OrderItemEntity, IdempotencyKeyEntity];
export const ORDERS_MIGRATIONS = [CreateOrders1764400000000, ScopeIdempotencyKeys1764900000000];
