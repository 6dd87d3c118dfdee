import { fileURLToPath } from 'node:url';
import { Broker } from '@app/messaging';
import { createTestDatabase, freePort, TsProcess, waitFor, type TestDatabase } from '@app/messaging/testing';
import { startPaymentProvider, type RunningPaymentProvider } from '../../apps/payment-provider/src/payment-provider.js';
import { TEST_AUTH } from '../../apps/order-api/test/customer-tokens.js';

const main = (app: string) => fileURLToPath(new URL(`../../apps/${app}/src/main.ts`, import.meta.url));

/** The samples of a Prometheus text exposition, as `name{labels}` → value (comments left out). */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}
const named = (all: Map<string, number>, name: string) => [...all.keys()].filter((key) => key === name || key.startsWith(`${name}{`));

describe('GET /metrics of two apps on one broker (processes), each on its ops port', () => {
  let brokerDb: TestDatabase;
  let ordersDb: TestDatabase;
  let paymentsDb: TestDatabase;
  let provider: RunningPaymentProvider;
  let orderApi: TsProcess;
  let paymentWorker: TsProcess;
  let broker: Broker;
  let orderApiUrl: string;
  let orderApiOpsUrl: string;
  let paymentWorkerUrl: string;

  const scrape = async (url: string) => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return samples(await response.text());
  };

  beforeAll(async () => {
    [brokerDb, ordersDb, paymentsDb] = await Promise.all([createTestDatabase('metrics_broker'), createTestDatabase('metrics_orders'), createTestDatabase('metrics_payments')]);
    provider = await startPaymentProvider({ port: await freePort() });
    const [orderApiPort, orderApiOpsPort, paymentWorkerPort] = [await freePort(), await freePort(), await freePort()];
    orderApiUrl = `http://127.0.0.1:${orderApiPort}`;
    orderApiOpsUrl = `http://127.0.0.1:${orderApiOpsPort}`;
    paymentWorkerUrl = `http://127.0.0.1:${paymentWorkerPort}`;
    const common = { BROKER_DATABASE_URL: brokerDb.url, LOG_LEVEL: 'warn', OPS_HOST: '127.0.0.1' };
    orderApi = new TsProcess(main('order-api'), {
      ...common,
      PORT: String(orderApiPort),
      OPS_PORT: String(orderApiOpsPort),
      ORDERS_DATABASE_URL: ordersDb.url,
      ORDER_API_JWT_SECRET: TEST_AUTH.secret,
    });
    paymentWorker = new TsProcess(main('payment-worker'), {
      ...common,
      OPS_PORT: String(paymentWorkerPort),
      PAYMENTS_DATABASE_URL: paymentsDb.url,
      PAYMENT_PROVIDER_URL: provider.url,
    });
    const healthy = (url: string) => fetch(`${url}/health`).then((r) => r.ok, () => false);
    await waitFor(async () => (await healthy(orderApiOpsUrl)) && (await healthy(paymentWorkerUrl)), { timeoutMs: 60_000, intervalMs: 100, what: 'both apps' });
    broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 1 });
  }, 90_000);
  afterAll(async () => {
    await broker?.close();
    for (const app of [orderApi, paymentWorker]) app?.kill();
    await Promise.all([orderApi?.exited, paymentWorker?.exited]);
    await provider?.close();
    await Promise.all([brokerDb, ordersDb, paymentsDb].map((db) => db?.drop()));
  });

  it("queue depths come from order-api alone; each app counts its own consumers' messages; both have process metrics; dead letters are counted where the alerter runs", async () => {
    // A message payment-worker handles, and a dead letter (one attempt, nacked) for order-api's alerter to count.
    const orderId = '55555555-5555-4555-8555-555555555555';
    await broker.publish({
      routingKey: 'order.created',
      messageId: `order-${orderId}-created`,
      payload: { id: orderId, total: '3.20', currency: 'EUR', customerId: 'cust-metrics', email: 'ada@example.com' },
    });
    await broker.declareQueue('metrics.doomed', { maxAttempts: 1 });
    await broker.publishToQueue('metrics.doomed', { routingKey: 'doomed', payload: {} });
    const [doomed] = await waitFor(() => broker.claim('metrics.doomed'), { what: 'the doomed message' });
    await broker.nack(doomed, { error: new Error('no way') });

    const handled = 'messaging_consumer_messages_total{queue="payments.order-created",outcome="acked"}';
    const deadLetters = 'messaging_dead_letters_total{queue="metrics.doomed",reason="delivery_limit"}';
    const worker = await waitFor(async () => ((await scrape(paymentWorkerUrl)).has(handled) ? scrape(paymentWorkerUrl) : null), { what: 'the worker to count its message' });
    // order-api's own consumer handles the payment.completed that payment-worker publishes.
    const paid = 'messaging_consumer_messages_total{queue="orders.payment-events",outcome="acked"}';
    const api = await waitFor(
      async () => {
        const found = await scrape(orderApiOpsUrl);
        return found.has(deadLetters) && found.has(paid) ? found : null;
      },
      { what: 'the alerter to count the dead letter and the consumer its message' },
    );

    expect(worker.get(handled)).toBe(1);
    expect(worker.get('messaging_consumer_handler_duration_seconds_count{queue="payments.order-created"}')).toBe(1);
    expect(named(worker, 'messaging_consumer_messages_total')).toEqual([handled]);
    expect(api.get(paid)).toBe(1);
    expect(named(api, 'messaging_consumer_messages_total')).toEqual([paid]);

    expect(api.get('messaging_queue_messages{queue="metrics.doomed.dlq",state="ready"}')).toBe(1);
    expect(api.has('messaging_queue_oldest_message_age_seconds{queue="payments.order-created"}')).toBe(true);
    expect(named(worker, 'messaging_queue_messages')).toEqual([]);
    expect(named(worker, 'messaging_queue_oldest_message_age_seconds')).toEqual([]);

    expect(api.get(deadLetters)).toBe(1);
    expect(named(worker, 'messaging_dead_letters_total')).toEqual([]);

    // The public API port shows neither metrics nor health.
    for (const path of ['/metrics', '/health', '/health/ready']) expect([path, (await fetch(`${orderApiUrl}${path}`)).status]).toEqual([path, 404]);

    for (const metrics of [api, worker]) {
      expect(metrics.get('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(named(metrics, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
      expect(metrics.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    }
  });
});
