import { MESSAGING_ENVIRONMENT, messagingConnection, type MessagingEnvironment } from '@app/messaging';
import { NOTIFICATION_WORKER_ENVIRONMENT, readNotificationWorkerConfig } from '../../apps/notification-worker/src/config.js';
import { ORDER_API_ENVIRONMENT, readOrderApiConfig } from '../../apps/order-api/src/config.js';
import { PAYMENT_WORKER_ENVIRONMENT, readPaymentWorkerConfig } from '../../apps/payment-worker/src/config.js';

type BrokerConfig = { messaging?: MessagingEnvironment; brokerDatabaseUrl?: string };

// Each app with the settings it needs besides the broker's, as npm start and compose give them.
const APPS: [string, readonly string[], (env: NodeJS.ProcessEnv) => BrokerConfig, NodeJS.ProcessEnv][] = [
  ['order-api', ORDER_API_ENVIRONMENT, readOrderApiConfig, { ORDERS_DATABASE_URL: 'postgres://order_api@db/orders', ORDER_API_JWT_SECRET: 'k'.repeat(32) }],
  ['payment-worker', PAYMENT_WORKER_ENVIRONMENT, readPaymentWorkerConfig, { PAYMENTS_DATABASE_URL: 'postgres://payment_worker@db/payments', PAYMENT_PROVIDER_URL: 'http://provider:4010' }],
  ['notification-worker', NOTIFICATION_WORKER_ENVIRONMENT, readNotificationWorkerConfig, { NOTIFICATIONS_DATABASE_URL: 'postgres://notification_worker@db/notifications', SMTP_URL: 'smtp://mail:1025' }],
];

describe.each(APPS)('%s: the broker by configuration', (_app, environment, read, own) => {
  it('lists the broker variables among those it reads', () => {
    expect(environment).toEqual(expect.arrayContaining([...MESSAGING_ENVIRONMENT, 'BROKER_DATABASE_URL']));
  });

  it('runs on the PostgreSQL broker by default: BROKER_DATABASE_URL (with DATABASE_PASSWORD) is what MessagingModule connects', () => {
    const config = read({ ...own, BROKER_DATABASE_URL: 'postgres://role@db/broker', DATABASE_PASSWORD: 'pw' });
    expect(config.messaging).toEqual({ driver: 'postgres' });
    expect(messagingConnection(config)).toEqual({ driver: 'postgres', connectionString: 'postgres://role:pw@db/broker' });
    expect(() => read(own)).toThrow('BROKER_DATABASE_URL (or BROKER_DATABASE_URL_FILE) is not set');
  });

  it('with MESSAGING_DRIVER=rabbitmq: RabbitMQ is the broker and no broker database is read; its own database stays', () => {
    const config = read({ ...own, MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: 'amqp://app:pw@rabbitmq:5672', RABBITMQ_EXCHANGE: 'shop' });
    expect(config.messaging).toEqual({ driver: 'rabbitmq', rabbitmqUrl: 'amqp://app:pw@rabbitmq:5672', exchange: 'shop' });
    expect(config.brokerDatabaseUrl).toBeUndefined();
    expect(messagingConnection(config, { applicationName: 'app', migrate: false })).toEqual({ driver: 'rabbitmq', url: 'amqp://app:pw@rabbitmq:5672', exchange: 'shop' });
    expect(JSON.stringify(config)).toMatch(/"postgres:\/\/\w+@db\/\w+"/);
    expect(() => read({ ...own, MESSAGING_DRIVER: 'rabbitmq' })).toThrow('MESSAGING_DRIVER=rabbitmq needs RABBITMQ_URL');
    expect(() => read({ ...own, MESSAGING_DRIVER: 'rabbit', BROKER_DATABASE_URL: 'postgres://role@db/broker' })).toThrow('MESSAGING_DRIVER must be one of postgres, rabbitmq (got "rabbit")');
  });
});
