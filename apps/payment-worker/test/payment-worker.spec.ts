import type { INestApplication } from '@nestjs/common';
import { Broker, OpsListener, type Delivery } from '@app/messaging';
import { createTestDatabase, freePort, waitFor, type TestDatabase, testPool } from '@app/messaging/testing';
import pg from 'pg';
import { startPaymentProvider, type RunningPaymentProvider } from '../../payment-provider/src/payment-provider.js';
import { createPaymentWorker } from '../src/app.js';
import type { PaymentOutcome } from '@app/contracts';

describe('payment-worker', () => {
  let paymentsDb: TestDatabase;
  let brokerDb: TestDatabase;
  let provider: RunningPaymentProvider;
  let providerPort: number;
  let app: INestApplication;
  let broker: Broker;
  let payments: pg.Pool;

  beforeAll(async () => {
    paymentsDb = await createTestDatabase('payments');
    brokerDb = await createTestDatabase('broker');
    providerPort = await freePort();
    provider = await startPaymentProvider({ port: providerPort });
    app = await createPaymentWorker(
      { opsPort: 0, opsHost: '127.0.0.1', paymentsDatabaseUrl: paymentsDb.url, brokerDatabaseUrl: brokerDb.url, paymentProviderUrl: provider.url },
      { logger: false },
    );
    await app.init();
    broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 2 });
    await broker.declareQueue('test.payments');
    await broker.bindQueue('test.payments', 'payment.*');
    payments = testPool(paymentsDb.url, 2);
  });
  afterAll(async () => {
    await payments.end();
    await broker.close();
    await app.close();
    await provider.close();
    await paymentsDb.drop();
    await brokerDb.drop();
  });

  it('answers GET /health on its ops port without announcing its framework (no x-powered-by)', async () => {
    const response = await fetch(`${app.get(OpsListener).url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  const orderCreated = (id: string, customerId: string) => ({
    routingKey: 'order.created',
    messageId: `order-${id}-created`,
    payload: { id, total: '25.99', currency: 'EUR', customerId, email: 'ada@example.com', status: 'pending', items: [], createdAt: new Date().toISOString() },
  });
  const paymentRows = async (orderId: string) => (await payments.query(`SELECT status, reason FROM payments WHERE order_id = $1`, [orderId])).rows;
  const outcomes = async (n: number) => {
    const got: Delivery<PaymentOutcome>[] = [];
    await waitFor(async () => {
      got.push(...(await broker.claim<PaymentOutcome>('test.payments', { limit: 10 })));
      return got.length >= n;
    }, { what: `${n} payment outcome(s)` });
    await broker.ackMany(got);
    return got;
  };

  it('charges a new order once and publishes payment.completed through its outbox', async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    await broker.publish(orderCreated(id, 'cust-1'));
    const [outcome] = await outcomes(1);
    expect(outcome.routingKey).toBe('payment.completed');
    expect(outcome.payload).toMatchObject({ orderId: id, amount: '25.99', currency: 'EUR', email: 'ada@example.com' });
    expect(await paymentRows(id)).toEqual([{ status: 'completed', reason: null }]);
    expect(provider.charges.filter((c) => c.reference === id)).toHaveLength(1);
  });

  it('a customerId starting with decline- is declined: payment.failed with the reason', async () => {
    const id = '22222222-2222-4222-8222-222222222222';
    await broker.publish(orderCreated(id, 'decline-bob'));
    const [outcome] = await outcomes(1);
    expect(outcome.routingKey).toBe('payment.failed');
    expect(outcome.payload).toMatchObject({ orderId: id, reason: 'card_declined' });
    expect(await paymentRows(id)).toEqual([{ status: 'failed', reason: 'card_declined' }]);
  });

  it('a redelivered order.created (forced duplicate) charges and publishes once', async () => {
    const id = '33333333-3333-4333-8333-333333333333';
    await broker.publishToQueue('payments.order-created', orderCreated(id, 'cust-3'));
    await broker.publishToQueue('payments.order-created', orderCreated(id, 'cust-3'));
    await outcomes(1);
    await waitFor(async () => (await broker.queueStats('payments.order-created')).ready + (await broker.queueStats('payments.order-created')).leased === 0, {
      what: 'both copies handled',
    });
    expect(await paymentRows(id)).toHaveLength(1);
    expect(provider.charges.filter((c) => c.reference === id)).toHaveLength(1);
    expect(await broker.claim('test.payments')).toEqual([]);
  });

  it('retries while the provider is down, then charges once', async () => {
    await provider.close();
    const id = '44444444-4444-4444-8444-444444444444';
    await broker.publish(orderCreated(id, 'cust-4'));
    await waitFor(async () => (await broker.queueStats('payments.order-created')).delayed === 1, { what: 'a failed attempt' });
    provider = await startPaymentProvider({ port: providerPort });
    const [outcome] = await outcomes(1);
    expect(outcome.routingKey).toBe('payment.completed');
    expect(await paymentRows(id)).toHaveLength(1);
    expect(provider.charges.filter((c) => c.reference === id)).toHaveLength(1);
  });
});
