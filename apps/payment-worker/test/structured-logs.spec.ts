import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Broker } from '@app/messaging';
import { createTestDatabase, freePort, startOtlpReceiver, TsProcess, waitFor, type RunningOtlpReceiver, type TestDatabase } from '@app/messaging/testing';
import { startPaymentProvider, type RunningPaymentProvider } from '../../payment-provider/src/payment-provider.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

describe('payment-worker logs (the process, as npm start runs it)', () => {
  let paymentsDb: TestDatabase;
  let brokerDb: TestDatabase;
  let provider: RunningPaymentProvider;
  let otlp: RunningOtlpReceiver;
  let worker: TsProcess;
  let broker: Broker;
  let port: number;

  beforeAll(async () => {
    [paymentsDb, brokerDb, otlp] = await Promise.all([createTestDatabase('logs_payments'), createTestDatabase('logs_broker'), startOtlpReceiver()]);
    provider = await startPaymentProvider({ port: await freePort() });
    port = await freePort();
    worker = new TsProcess(MAIN, {
      OPS_PORT: String(port),
      OPS_HOST: '127.0.0.1',
      PAYMENTS_DATABASE_URL: paymentsDb.url,
      BROKER_DATABASE_URL: brokerDb.url,
      PAYMENT_PROVIDER_URL: provider.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      LOG_LEVEL: 'info',
    });
    await waitFor(() => worker.events.some((e) => String(e.msg ?? e.line).includes('health on')), { timeoutMs: 60_000, what: 'the worker to boot' });
    broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 1 });
  }, 90_000);
  afterAll(async () => {
    await broker?.close();
    worker?.kill();
    await worker?.exited;
    await provider?.close();
    await otlp?.close();
    await paymentsDb?.drop();
    await brokerDb?.drop();
  });

  it("logs one JSON line per entry (level, time, msg), the library's lines included, and a handler's lines carry the message's trace id", async () => {
    const traceId = randomBytes(16).toString('hex');
    const orderId = '44444444-4444-4444-8444-444444444444';
    await broker.publish({
      routingKey: 'order.created',
      messageId: `order-${orderId}-created`,
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      payload: { id: orderId, total: '9.50', currency: 'EUR', customerId: 'cust-logs', email: 'ada@example.com' },
    });

    // The line nestjs-pino logs when the handler finishes, inside the message's process span.
    const [handled] = await waitFor(() => worker.events.filter((e) => e.reqId === `order-${orderId}-created` && e.msg === 'event completed'), {
      timeoutMs: 30_000,
      what: 'the handler line',
    });
    expect(handled).toMatchObject({ level: 'info', name: 'payment-worker', trace_id: traceId, queue: 'payments.order-created', attempt: 1 });
    expect(handled.span_id).toMatch(/^[0-9a-f]{16}$/);
    // A line the handler's own code logs (Nest's Logger) carries the same trace, span and message.
    const charged = worker.events.find((e) => e.context === 'OrderCreatedHandler');
    expect(charged).toMatchObject({ level: 'info', trace_id: traceId, span_id: handled.span_id, reqId: handled.reqId, queue: 'payments.order-created' });
    expect(charged?.msg).toMatch(new RegExp(`^order ${orderId}: charge \\S+ succeeded$`));

    // No queue is bound to payment.*: the library's outbox relay reports the unroutable payment.completed.
    const [unroutable] = await waitFor(() => worker.events.filter((e) => e.context === 'messaging' && String(e.msg).includes('match no binding')), {
      timeoutMs: 30_000,
      what: "the library's warning",
    });
    expect(unroutable).toMatchObject({ level: 'warn', name: 'payment-worker' });
    expect(unroutable.msg).toContain(`payment-${orderId}`);

    // HTTP: a request is logged when it ends, at a level by its status; probes and scrapes are not logged.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).ok).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/no-such-page`)).status).toBe(404);
    const [notFound] = await waitFor(() => worker.events.filter((e) => e.msg === 'request completed'), { what: 'the request line' });
    expect(notFound).toMatchObject({ level: 'warn', res: { statusCode: 404 } });
    expect(notFound.req).toEqual({ method: 'GET', url: '/no-such-page', remoteAddress: expect.any(String) }); // no headers
    expect(notFound.trace_id).toMatch(/^[0-9a-f]{32}$/); // the request's server span
    expect(worker.events.filter((e) => e.msg === 'request completed')).toHaveLength(1);

    expect(worker.events.some((e) => e.context === 'NestApplication')).toBe(true);
    expect(worker.named('text')).toEqual([]);
    for (const line of worker.events) {
      expect(LEVELS).toContain(line.level);
      expect(Number.isNaN(Date.parse(String(line.time)))).toBe(false);
      expect(typeof line.msg).toBe('string');
    }
    expect(worker.errorOutput).toBe('');
  });
});
