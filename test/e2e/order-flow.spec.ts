import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, startOtlpReceiver, startWebhookReceiver, testDatabaseUrl, waitFor, type OtlpSpan, type RunningOtlpReceiver, type RunningWebhookReceiver } from '@app/messaging/testing';
import { startSmtpCatcher, type RunningSmtpCatcher } from '../../apps/smtp-catcher/src/smtp-catcher.js';
import { dropSystemDatabases } from '../../scripts/system/databases.js';
import { startSystem, type RunningSystem } from '../../scripts/system/start-system.js';

// Response bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('the order system end to end, as processes', () => {
  const prefix = `e2e_${randomBytes(3).toString('hex')}_`;
  let system: RunningSystem;
  let smtp: RunningSmtpCatcher;
  let hook: RunningWebhookReceiver;
  let otlp: RunningOtlpReceiver;
  const logs: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    hook = await startWebhookReceiver();
    otlp = await startOtlpReceiver();
    system = await startSystem({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
      databaseUrl: testDatabaseUrl(),
      databasePrefix: prefix,
      smtpUrl: smtp.url,
      alertWebhookUrl: hook.url,
      ports: { orderApi: await freePort(), paymentWorker: await freePort(), notificationWorker: await freePort(), paymentProvider: await freePort(), smtp: await freePort() },
      log: (line) => logs.push(line),
    });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    await smtp.close();
    await hook.close();
    await otlp.close();
    await dropSystemDatabases(testDatabaseUrl(), prefix);
  }, 60_000);

  async function placeOrder(customerId: string, email: string): Promise<Json> {
    const response = await fetch(`${system.orderApiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, email, currency: 'EUR', items: [{ sku: 'beans', quantity: 2, unitPrice: '9.50' }] }),
    });
    expect(response.status).toBe(201);
    return response.json();
  }
  const statusOf = async (id: string) => ((await (await fetch(`${system.orderApiUrl}/orders/${id}`)).json()) as Json).status;
  const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));

  it('orders reach their final state with one payment each and exactly one mail per event; a failing handler dead-letters and alerts once', async () => {
    const paid = await placeOrder('cust-ada', 'ada@example.com');
    const declined = await placeOrder('decline-bob', 'bob@example.com');
    const bounced = await placeOrder('cust-eve', 'eve@bounce.example');

    await waitFor(async () => (await statusOf(paid.id)) === 'paid', { timeoutMs: 30_000, what: 'paid' });
    await waitFor(async () => (await statusOf(declined.id)) === 'payment_failed', { timeoutMs: 30_000, what: 'payment_failed' });
    await waitFor(async () => (await statusOf(bounced.id)) === 'paid', { timeoutMs: 30_000, what: 'the bounced order paid' });

    // One mail per event: order.created and payment.* for each good address.
    await waitFor(() => mailsTo('ada@example.com').length === 2 && mailsTo('bob@example.com').length === 2, { timeoutMs: 30_000, what: 'four mails' });
    expect(mailsTo('ada@example.com').map((m) => m.subject).sort()).toEqual([`Payment received for order ${paid.id}`, `We received your order ${paid.id}`]);
    expect(mailsTo('bob@example.com').map((m) => m.subject).sort()).toEqual([`Payment failed for order ${declined.id}`, `We received your order ${declined.id}`]);

    // The mails to the missing mailbox fail every attempt: two dead letters (order.created, payment.completed), one alert each.
    await waitFor(() => hook.posts.length === 2, { timeoutMs: 60_000, what: 'two dead-letter alerts' });
    expect(hook.posts.map((p) => p.text).sort()).toEqual([
      expect.stringContaining(`Dead letter in notifications.order-events: message order-${bounced.id}-created (order.created) delivery_limit`),
      expect.stringContaining(`Dead letter in notifications.payment-events: message payment-${bounced.id} (payment.completed) delivery_limit`),
    ]);
    expect(mailsTo('eve@bounce.example')).toEqual([]);
    // The alert carries the handler's real error (the SMTP refusal), not Nest's generic "Internal server error".
    expect(hook.posts[0].text).toMatch(/no such mailbox|rejected/i);

    // Exactly one payment per order, in the payment service's own database.
    const payments = new pg.Client({ connectionString: system.databases.payments });
    await payments.connect();
    const { rows } = await payments.query(`SELECT order_id, status FROM payments ORDER BY order_id`);
    await payments.end();
    expect(rows).toHaveLength(3);
    expect(new Map(rows.map((r) => [r.order_id, r.status]))).toEqual(
      new Map([
        [paid.id, 'completed'],
        [declined.id, 'failed'],
        [bounced.id, 'completed'],
      ]),
    );
    // Nothing more arrives: no duplicate mail or alert.
    expect(smtp.mails).toHaveLength(4);
    expect(hook.posts).toHaveLength(2);
    expect(logs.some((line) => line.includes('"event":"dead_letter"'))).toBe(true);
  }, 120_000);

  it('one order is one trace across the three services: HTTP request, then PRODUCER and CONSUMER spans in order', async () => {
    const order = await placeOrder('cust-trace', 'trace@example.com');
    await waitFor(async () => (await statusOf(order.id)) === 'paid', { timeoutMs: 30_000, what: 'paid' });
    const byName = (name: string, service: string) => otlp.spans.filter((s) => s.name === name && s.service === service);
    const sendCreated = await waitFor(
      () => otlp.spans.find((s) => s.name === 'send order.created' && s.service === 'order-api' && s.attributes['messaging.message.id'] === `order-${order.id}-created`),
      { timeoutMs: 30_000, what: 'the order.created send span' },
    );
    const trace = (): OtlpSpan[] => otlp.spans.filter((s) => s.traceId === sendCreated.traceId);
    const one = (name: string, service: string): OtlpSpan | undefined => byName(name, service).find((s) => s.traceId === sendCreated.traceId);
    await waitFor(
      () =>
        one('process payments.order-created', 'payment-worker') &&
        one('send payment.completed', 'payment-worker') &&
        one('process orders.payment-events', 'order-api') &&
        one('process notifications.payment-events', 'notification-worker') &&
        one('process notifications.order-events', 'notification-worker'),
      { timeoutMs: 30_000, what: 'the spans of all three services' },
    );
    const http = trace().find((s) => s.service === 'order-api' && s.kind === 2);
    expect(http).toBeDefined();
    expect(sendCreated).toMatchObject({ kind: 4, parentSpanId: http!.spanId });
    const charge = one('process payments.order-created', 'payment-worker')!;
    expect(charge).toMatchObject({ kind: 5, parentSpanId: sendCreated.spanId });
    expect(charge.attributes).toMatchObject({ 'messaging.system': 'pg_messaging', 'messaging.consumer.group.name': 'payments', 'messaging.operation.type': 'process' });
    const sendPaid = one('send payment.completed', 'payment-worker')!;
    expect(sendPaid).toMatchObject({ kind: 4, parentSpanId: charge.spanId });
    expect(one('process orders.payment-events', 'order-api')).toMatchObject({ kind: 5, parentSpanId: sendPaid.spanId });
    expect(one('process notifications.payment-events', 'notification-worker')).toMatchObject({ kind: 5, parentSpanId: sendPaid.spanId });
    expect(one('process notifications.order-events', 'notification-worker')).toMatchObject({ kind: 5, parentSpanId: sendCreated.spanId });
    expect(new Set(trace().map((s) => s.service))).toEqual(new Set(['order-api', 'payment-worker', 'notification-worker']));
  }, 60_000);
});
