import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MessagingDriver } from '@app/messaging';
import { rabbitmqUrl, waitFor, type OtlpSpan, type RunningOtlpReceiver, type RunningWebhookReceiver } from '@app/messaging/testing';
import type { RunningSmtpCatcher } from '../../apps/smtp-catcher/src/smtp-catcher.js';
import type { RunningSystem } from '../../scripts/system/start-system.js';
import { orderApiFetch } from './order-api-client.js';
import { systemRabbitmq, type SystemRabbitmq } from './rabbitmq-broker.js';
import { startTracedSystem, type TracedSystem } from './traced-system.js';

// Response bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// The same flow on each broker: the PostgreSQL broker, and RabbitMQ where RABBITMQ_URL is set. The services' own
// databases are PostgreSQL on both.
const RABBITMQ_URL = rabbitmqUrl();

/** The `messaging.system` of the consumer spans, by driver (OpenTelemetry's name for RabbitMQ). */
const MESSAGING_SYSTEM: Record<MessagingDriver, string> = { postgres: 'pg_messaging', rabbitmq: 'rabbitmq' };

function orderFlowOn(driver: MessagingDriver, title: string): void {
  describe(title, () => {
    const prefix = `e2e_${randomBytes(3).toString('hex')}_`;
    let rabbitmq: SystemRabbitmq | undefined;
    let traced: TracedSystem;
    let system: RunningSystem;
    let smtp: RunningSmtpCatcher;
    let hook: RunningWebhookReceiver;
    let otlp: RunningOtlpReceiver;
    const logs: string[] = [];

    beforeAll(async () => {
      if (driver === 'rabbitmq') rabbitmq = await systemRabbitmq('e2e-order-flow');
      traced = await startTracedSystem(prefix, (line) => logs.push(line), {}, rabbitmq?.messaging);
      ({ system, smtp, hook, otlp } = traced);
    }, 120_000);
    afterAll(async () => {
      await traced?.stop();
      await rabbitmq?.vhost.drop();
    }, 60_000);

    it(`runs on the ${driver} broker, the services' databases on PostgreSQL`, async () => {
      expect(system.broker.driver).toBe(driver);
      expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^Broker: .*\\(MESSAGING_DRIVER=${driver}\\)$`)));
      if (rabbitmq) {
        // The apps declared their queues, with their dead-letter queues, in the system's own vhost.
        const queues = ['payments.order-created', 'orders.payment-events', 'notifications.order-events', 'notifications.payment-events'].flatMap((queue) => [queue, `${queue}.dlq`]);
        expect(await rabbitmq.existingQueues(queues)).toEqual(queues);
      }
    });

    /** Who placed each order: only that customer's token can read it. */
    const customerOf = new Map<string, string>();
    async function placeOrder(customerId: string, email: string): Promise<Json> {
      const response = await orderApiFetch(system, customerId, '/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, currency: 'EUR', items: [{ sku: 'beans', quantity: 2, unitPrice: '9.50' }] }),
      });
      expect(response.status).toBe(201);
      const order = (await response.json()) as Json;
      customerOf.set(order.id, customerId);
      return order;
    }
    const statusOf = async (id: string) =>
      ((await (await orderApiFetch(system, customerOf.get(id)!, `/orders/${id}`)).json()) as Json).status;
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

      // The missing mailbox is a permanent SMTP 550: each mail is rejected at its first attempt, two dead letters
      // (order.created, payment.completed), one alert each.
      await waitFor(() => hook.posts.length === 2, { timeoutMs: 60_000, what: 'two dead-letter alerts' });
      expect(hook.posts.map((p) => p.text).sort()).toEqual([
        expect.stringContaining(`Dead letter in notifications.order-events: message order-${bounced.id}-created (order.created) rejected`),
        expect.stringContaining(`Dead letter in notifications.payment-events: message payment-${bounced.id} (payment.completed) rejected`),
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
      // The alert is one structured log line of order-api, its fields as fields (for log queries), not text.
      const alertLine = logs.find((line) => line.includes(`Dead letter in notifications.order-events: message order-${bounced.id}-created`));
      expect(JSON.parse((alertLine ?? '').slice((alertLine ?? '').indexOf('{')))).toMatchObject({
        level: 'error',
        context: 'dead-letter-alerter',
        event: 'dead_letter',
        queue: 'notifications.order-events',
        deadLetterQueue: 'notifications.order-events.dlq',
        messageId: `order-${bounced.id}-created`,
        reason: 'rejected',
        error: expect.stringContaining('no such mailbox'),
      });
    }, 120_000);

    it('one order is one trace across the three services: the HTTP request, the outbox write, the relay, each consumer, the provider call', async () => {
      const order = await placeOrder('cust-trace', 'trace@example.com');
      await waitFor(async () => (await statusOf(order.id)) === 'paid', { timeoutMs: 30_000, what: 'paid' });
      const written = await waitFor(
        () =>
          otlp.spans.find(
            (s) => s.name === 'send order.created' && s.attributes['messaging.operation.name'] === 'send' && s.attributes['messaging.message.id'] === `order-${order.id}-created`,
          ),
        { timeoutMs: 30_000, what: 'the outbox write of order.created' },
      );
      const inTrace = (): OtlpSpan[] => otlp.spans.filter((s) => s.traceId === written.traceId);
      const find = (service: string, name: string, operation?: string) =>
        inTrace().find((s) => s.service === service && s.name === name && (operation === undefined || s.attributes['messaging.operation.name'] === operation));
      const expected = [
        ['order-api', 'send order.created', 'relay'],
        ['payment-worker', 'process payments.order-created', undefined],
        ['payment-worker', 'send payment.completed', 'send'],
        ['payment-worker', 'send payment.completed', 'relay'],
        ['order-api', 'process orders.payment-events', undefined],
        ['notification-worker', 'process notifications.order-events', undefined],
        ['notification-worker', 'process notifications.payment-events', undefined],
      ] as const;
      await waitFor(() => expected.every(([service, name, operation]) => find(service, name, operation)), { timeoutMs: 30_000, what: 'every span of the order' });

      const http = inTrace().find((s) => s.service === 'order-api' && s.kind === 2)!;
      expect(http.parentSpanId).toBe('');
      expect(written).toMatchObject({ kind: 4, parentSpanId: http.spanId });
      const relayed = find('order-api', 'send order.created', 'relay')!;
      expect(relayed).toMatchObject({ kind: 4, parentSpanId: written.spanId });
      const charge = find('payment-worker', 'process payments.order-created')!;
      expect(charge).toMatchObject({ kind: 5, parentSpanId: relayed.spanId });
      expect(charge.attributes).toMatchObject({ 'messaging.system': MESSAGING_SYSTEM[driver], 'messaging.consumer.group.name': 'payments', 'messaging.operation.type': 'process' });
      // The payment provider call, an outgoing HTTP request inside the consumer span.
      const providerCall = inTrace().find((s) => s.service === 'payment-worker' && s.kind === 3 && s.parentSpanId === charge.spanId && String(s.attributes['url.full'] ?? '').includes('/charges'));
      expect(providerCall).toBeDefined();
      const paidWritten = find('payment-worker', 'send payment.completed', 'send')!;
      expect(paidWritten).toMatchObject({ kind: 4, parentSpanId: charge.spanId });
      const paidRelayed = find('payment-worker', 'send payment.completed', 'relay')!;
      expect(paidRelayed).toMatchObject({ kind: 4, parentSpanId: paidWritten.spanId });
      expect(find('order-api', 'process orders.payment-events')).toMatchObject({ kind: 5, parentSpanId: paidRelayed.spanId });
      expect(find('notification-worker', 'process notifications.payment-events')).toMatchObject({ kind: 5, parentSpanId: paidRelayed.spanId });
      expect(find('notification-worker', 'process notifications.order-events')).toMatchObject({ kind: 5, parentSpanId: relayed.spanId });
      // Their SQL is in the trace too.
      expect(inTrace().some((s) => s.service === 'payment-worker' && s.name.startsWith('pg.query') && s.kind === 3)).toBe(true);
      expect(new Set(inTrace().map((s) => s.service))).toEqual(new Set(['order-api', 'payment-worker', 'notification-worker']));
    }, 60_000);
    it('runs every app as its own role: no connection to the system\'s databases is the superuser, none runs DDL', async () => {
      const admin = new pg.Client({ connectionString: system.databases.broker });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ datname: string; usename: string }>(
          `SELECT DISTINCT datname, usename::text FROM pg_stat_activity WHERE datname LIKE $1 || '%' AND pid <> pg_backend_pid() ORDER BY 1, 2`,
          [prefix],
        );
        // On RabbitMQ no app connects to the broker database.
        const brokerDatabase = driver === 'postgres' ? ['notification_worker', 'order_api', 'payment_worker'].map((role) => ({ datname: `${prefix}broker`, usename: `${prefix}${role}` })) : [];
        expect(rows).toEqual([
          ...brokerDatabase,
          { datname: `${prefix}notifications`, usename: `${prefix}notification_worker` },
          { datname: `${prefix}orders`, usename: `${prefix}order_api` },
          { datname: `${prefix}payments`, usename: `${prefix}payment_worker` },
        ]);
        const { rows: superusers } = await admin.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1 || '%' AND (rolsuper OR rolcreatedb OR rolcreaterole)`, [prefix]);
        expect(superusers).toEqual([]);
        // Nothing the apps do at start or while running needs more than their roles have.
        expect(logs.filter((line) => /permission denied|42501|must be owner/i.test(line))).toEqual([]);
      } finally {
        await admin.end();
      }
    });
  });
}

orderFlowOn('postgres', 'the order system end to end, as processes, on the PostgreSQL broker');
if (RABBITMQ_URL) orderFlowOn('rabbitmq', 'the order system end to end, as processes, on RabbitMQ (MESSAGING_DRIVER=rabbitmq)');
else console.log('test/e2e/order-flow.spec.ts: the order flow on RabbitMQ did not run: RABBITMQ_URL is not set');
