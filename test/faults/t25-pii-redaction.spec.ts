import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Broker, type Delivery } from '@app/messaging';
import { faultProfile, recordFaultReport } from '@app/messaging/testing/faults';
import { waitFor, type RunningOtlpReceiver, type RunningWebhookReceiver } from '@app/messaging/testing';
import type { RunningSmtpCatcher } from '../../apps/smtp-catcher/src/smtp-catcher.js';
import type { RunningSystem } from '../../scripts/system/start-system.js';
import { orderApiFetch } from '../e2e/order-api-client.js';
import { startTracedSystem, type TracedSystem } from '../e2e/traced-system.js';

const DEAD_LETTER_QUEUES = ['notifications.order-events.dlq', 'notifications.payment-events.dlq'];

/** A synthetic customer: the strings that must not leave the system for an operator's eyes. */
function customer(first: string, last: string, domain: string) {
  const tag = randomBytes(3).toString('hex');
  const phoneDigits = `447700900${randomInt(100, 999)}`;
  const local = `${first}.${last}${tag}.${phoneDigits}`;
  const email = `${local}@${domain}`;
  const name = `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}${tag}`;
  const phone = `+44 7700 900${phoneDigits.slice(-3)}`;
  return { email, name, phone, pii: [email, local, name, `${last}${tag}`, phoneDigits, phone] };
}

describe('T25 no personal data in logs, spans, dead-letter error text or alerts', () => {
  const prefix = `t25_${randomBytes(3).toString('hex')}_`;
  let traced: TracedSystem;
  let system: RunningSystem;
  let smtp: RunningSmtpCatcher;
  let hook: RunningWebhookReceiver;
  let otlp: RunningOtlpReceiver;
  let broker: Broker;
  const logs: string[] = [];

  beforeAll(async () => {
    // debug: the full errors too (nestjs-pino's and the library's debug lines).
    traced = await startTracedSystem(prefix, (line) => logs.push(line), { LOG_LEVEL: 'debug' });
    ({ system, smtp, hook, otlp } = traced);
    broker = await Broker.connect({ connectionString: system.databases.broker, poolSize: 1 });
  }, 120_000);
  afterAll(async () => {
    await broker?.close();
    await traced?.stop();
  }, 60_000);

  const post = (customerId: string, body: unknown) =>
    orderApiFetch(system, customerId, '/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const order = (email: string) => ({ email, currency: 'EUR', items: [{ sku: 'tea', quantity: 1, unitPrice: '4.20' }] });

  it('an order mailed, orders and an event dead-lettered by a 550 that quotes the address, a refused request: no PII string outside the mails', async () => {
    const startedAt = Date.now();
    const ada = customer('ada', 'lovelace', 'example.com');
    const grace = customer('grace', 'hopper', 'bounce.example');
    const hedy = customer('hedy', 'lamarr', 'bounce.example');

    const delivered = await post('cust-t25-a', order(ada.email));
    expect(delivered.status).toBe(201);
    const { id: deliveredId } = (await delivered.json()) as { id: string };
    const bounced = await post('cust-t25-g', order(grace.email));
    expect(bounced.status).toBe(201);
    const { id: bouncedId } = (await bounced.json()) as { id: string };
    // A request the API refuses, its fields full of personal data (fields it does not take among them).
    const refused = await post('cust-t25-g', { ...order(`${grace.name} ${grace.phone}`), customerId: grace.email, note: grace.phone });
    expect(refused.status).toBe(400);
    // An event from another producer with customer fields of its own, dead-lettered too (its reason is mailed).
    await broker.publish({
      routingKey: 'payment.failed',
      messageId: `payment-t25-hedy`,
      // An order id of the right form (order-api's own consumer gets the event too, and finds no such order).
      payload: { orderId: randomUUID(), email: hedy.email, amount: '1.00', currency: 'EUR', reason: `card of ${hedy.name} (${hedy.phone}) declined`, customerName: hedy.name, phone: hedy.phone },
    });

    // Three dead letters (grace's order.created and payment.completed, hedy's payment.failed), three alerts.
    await waitFor(() => hook.posts.length === 3, { timeoutMs: 60_000, what: 'three dead-letter alerts' });
    await waitFor(() => smtp.mails.filter((m) => m.to.includes(ada.email)).length === 2, { timeoutMs: 30_000, what: "ada's two mails" });
    const failedProcessSpans = () => otlp.spans.filter((s) => s.service === 'notification-worker' && s.name.startsWith('process ') && s.events.some((e) => e.name === 'exception'));
    await waitFor(() => failedProcessSpans().length >= 3, { timeoutMs: 30_000, what: 'the failed process spans exported' });
    await waitFor(() => otlp.spans.some((s) => s.service === 'order-api' && s.kind === 2 && s.attributes['http.response.status_code'] === 400), { timeoutMs: 30_000, what: 'the refused request span' });
    await waitFor(() => logs.some((l) => l.includes('order-api') && l.includes('"statusCode":400')), { what: 'the refused request logged' });

    const dead = (await Promise.all(DEAD_LETTER_QUEUES.map((q) => broker.browse<Delivery>(q)))).flat();
    const storedErrors = (await broker.pool.query<{ last_error: string }>(`SELECT last_error FROM messaging.messages WHERE last_error IS NOT NULL`)).rows.map((r) => r.last_error);
    const places = {
      spans: otlp.bodies.join('\n'),
      logs: logs.join('\n'),
      deadLetterErrors: [...dead.flatMap((d) => d.deaths.map((death) => death.lastError ?? '')), ...storedErrors].join('\n'),
      alerts: [...hook.posts.map((p) => p.text), ...logs.filter((l) => l.includes('"event":"dead_letter"'))].join('\n'),
    };
    const pii = [...ada.pii, ...grace.pii, ...hedy.pii];
    const hits = Object.fromEntries(Object.entries(places).map(([place, text]) => [place, pii.filter((s) => text.toLowerCase().includes(s.toLowerCase()))]));

    // What was searched holds what it should, so that finding nothing means something.
    expect(smtp.mails.some((m) => m.to.includes(ada.email) && m.subject.includes(deliveredId))).toBe(true);
    expect(dead.map((d) => d.messageId).sort()).toEqual([`order-${bouncedId}-created`, `payment-${bouncedId}`, 'payment-t25-hedy'].sort());
    expect(places.deadLetterErrors).toMatch(/no such mailbox/);
    expect(places.deadLetterErrors).toContain('<[email]>');
    expect(hook.posts.every((p) => /no such mailbox/.test(p.text))).toBe(true);
    expect(failedProcessSpans().flatMap((s) => s.events.map((e) => String(e.attributes['exception.message'])))).toContainEqual(expect.stringContaining('[email]'));
    const sqlSpans = otlp.spans.filter((s) => s.name.startsWith('pg.query'));
    const sqlText = (s: (typeof sqlSpans)[number]) => String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '');
    expect(sqlSpans.some((s) => /INSERT INTO "orders"/i.test(sqlText(s)) && sqlText(s).includes('$1'))).toBe(true);
    // Parameter values are never attached (instrumentation-pg's enhancedDatabaseReporting stays off).
    expect(sqlSpans.flatMap((s) => Object.keys(s.attributes)).filter((key) => /parameter|values/i.test(key))).toEqual([]);

    const total = Object.values(hits).reduce((sum, found) => sum + found.length, 0);
    recordFaultReport({
      id: 'T25',
      title: 'PII redaction in traces, logs, dead letters and alerts',
      schedule:
        'The system as processes with LOG_LEVEL=debug and tracing to a real OTLP receiver: an order mailed, an order whose mails a 550 quoting the address dead-letters, ' +
        'a refused request full of personal data, an event with customer fields dead-lettered; every exported span, log line, dead-letter error and alert searched for the PII strings (email, its local part, name, surname, phone with and without spaces)',
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      figures: {
        attempted: 4,
        acknowledged: 3,
        delivered: 3,
        lost: 0,
        unexpected: 0,
        duplicatedDeliveries: 0,
        duplicateEffects: 0,
        recovered: 0,
        leaseOverlaps: 0,
        staleAcksAccepted: 0,
        deadLettered: dead.length,
        faults: { 'dead-letter (SMTP 550)': dead.length, 'refused request': 1 },
        extra: {
          piiHits: total,
          piiHitsSpans: hits.spans.length,
          piiHitsLogs: hits.logs.length,
          piiHitsDeadLetterErrors: hits.deadLetterErrors.length,
          piiHitsAlerts: hits.alerts.length,
          spansScanned: otlp.spans.length,
          logLinesScanned: logs.length,
          piiStrings: pii.length,
        },
      },
    });
    expect(hits).toEqual({ spans: [], logs: [], deadLetterErrors: [], alerts: [] });
  }, 120_000);
});
