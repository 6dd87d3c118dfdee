import type { DataSourceOptions } from 'typeorm';
import { APP_ROLE_SETTINGS, type BrokerRoleNames, type LoginRole } from '@app/messaging';
import { NOTIFICATIONS_MIGRATIONS } from '../../notification-worker/src/database/data-source.js';
import { ORDERS_MIGRATIONS } from '../../order-api/src/database/data-source.js';
import { CreatePayments1764400000001 } from '../../payment-worker/src/database/migrations/1764400000001-create-payments.js';

/** A service database of the reference system, the app that uses it, and what that app may do on the broker. */
interface ServiceSpec {
  database: 'orders' | 'payments' | 'notifications';
  app: string;
  migrations: NonNullable<DataSourceOptions['migrations']>;
  broker: (keyof Omit<BrokerRoleNames, 'owner'>)[];
}

/**
 * Who may do what. order-api publishes (its outbox), consumes payment results and its reply queues, and runs the
 * broker-wide chores (housekeeping, the dead-letter alerter, queue-depth metrics), which need the admin role; the
 * payment worker consumes and publishes (its outbox); the notification worker only consumes.
 */
export const SERVICES: readonly ServiceSpec[] = [
  { database: 'orders', app: 'order-api', migrations: ORDERS_MIGRATIONS, broker: ['producer', 'consumer', 'admin'] },
  { database: 'payments', app: 'payment-worker', migrations: [CreatePayments1764400000001], broker: ['producer', 'consumer'] },
  { database: 'notifications', app: 'notification-worker', migrations: NOTIFICATIONS_MIGRATIONS, broker: ['consumer'] },
];

/**
 * The role workers made by `npm run new:worker` share (they have no database of their own): they consume and
 * publish on the broker. Give a worker a role of its own the same way when it needs different rights.
 */
export const WORKER = { app: 'worker', broker: ['producer', 'consumer'] as ServiceSpec['broker'] };

/** The role of an app: its name with '_' for '-' (order-api: order_api), after the prefix. */
export const appRole = (prefix: string, app: string) => `${prefix}${app.replace(/-/g, '_')}`;

export interface SystemRoles {
  /** Database names. */
  databases: { orders: string; payments: string; notifications: string; broker: string };
  /** The owner role of each database (it runs that database's migrations). */
  owners: { orders: string; payments: string; notifications: string; broker: string };
  broker: BrokerRoleNames;
  /** The login role of each app, by app name (and `worker`, the scaffolded workers' shared role). */
  apps: Record<string, string>;
}

/** The names of the system's databases and roles; tests give a prefix so that runs do not meet (roles are cluster-wide). */
export function systemRoles(prefix: string): SystemRoles {
  const owner = (database: string) => `${prefix}${database}_owner`;
  return {
    databases: { orders: `${prefix}orders`, payments: `${prefix}payments`, notifications: `${prefix}notifications`, broker: `${prefix}broker` },
    owners: { orders: owner('orders'), payments: owner('payments'), notifications: owner('notifications'), broker: owner('broker') },
    broker: { owner: owner('broker'), producer: `${prefix}broker_producer`, consumer: `${prefix}broker_consumer`, admin: `${prefix}broker_admin` },
    apps: Object.fromEntries([...SERVICES.map((s) => s.app), WORKER.app].map((app) => [app, appRole(prefix, app)])),
  };
}

/** The login roles to create, with their passwords (`passwordOf` a role name) and group memberships. */
export function loginRoles(roles: SystemRoles, passwordOf: (role: string) => string): LoginRole[] {
  const owners = Object.values(roles.owners).map((name) => ({ name, password: passwordOf(name) }));
  const brokerGroups = (grants: ServiceSpec['broker']) => grants.map((grant) => roles.broker[grant]);
  const apps = [
    ...[...SERVICES, WORKER].map((s) => ({ app: s.app, groups: brokerGroups(s.broker) })),
  ].map(({ app, groups }) => ({ name: roles.apps[app], password: passwordOf(roles.apps[app]), memberOf: groups, settings: { ...APP_ROLE_SETTINGS } }));
  return [...owners, ...apps];
}
