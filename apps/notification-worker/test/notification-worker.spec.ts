import type { INestApplication } from '@nestjs/common';
import { Broker, OpsListener, type Delivery } from '@app/messaging';
import { createTestDatabase, waitFor, type TestDatabase } from '@app/messaging/testing';
import { startBusySmtpServer } from '../../../libs/messaging/test/fixtures/busy-smtp-server.js';
import { startSmtpCatcher, type RunningSmtpCatcher } from '../../smtp-catcher/src/smtp-catcher.js';
import { createNotificationWorker } from '../src/app.js';

describe('notification-worker', () => {
  let notificationsDb: TestDatabase;
  let brokerDb: TestDatabase;
  let smtp: RunningSmtpCatcher;
  let app: INestApplication;
  let broker: Broker;

  beforeAll(async () => {
    notificationsDb = await createTestDatabase('notifications');
    brokerDb = await createTestDatabase('broker');
    smtp = await startSmtpCatcher();
    app = await createNotificationWorker(
      { opsPort: 0, opsHost: '127.0.0.1', notificationsDatabaseUrl: notificationsDb.url, brokerDatabaseUrl: brokerDb.url, smtpUrl: smtp.url, mailFrom: 'Shop <orders@shop.example>', inDoubtPolicy: 'resend' },
      { logger: false },
    );
    await app.init();
    broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 2 });
  });
  afterAll(async () => {
    await broker.close();
    await app.close();
    await smtp.close();
    await notificationsDb.drop();
    await brokerDb.drop();
  });

  it('answers GET /health on its ops port without announcing its framework (no x-powered-by)', async () => {
    const response = await fetch(`${app.get(OpsListener).url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('mails the customer once per order and payment event, over real SMTP', async () => {
    await broker.publish([
      { routingKey: 'order.created', messageId: 'order-o1-created', payload: { id: 'o1', email: 'ada@example.com', total: '25.99', currency: 'EUR' } },
      { routingKey: 'payment.completed', messageId: 'payment-o1', payload: { orderId: 'o1', email: 'ada@example.com', amount: '25.99', currency: 'EUR' } },
      { routingKey: 'payment.failed', messageId: 'payment-o2', payload: { orderId: 'o2', email: 'bob@example.com', amount: '9.00', currency: 'EUR', reason: 'card_declined' } },
    ]);
    await waitFor(() => smtp.mails.length === 3, { what: 'three mails' });
    const bySubject = new Map(smtp.mails.map((m) => [m.subject, m]));
    expect([...bySubject.keys()].sort()).toEqual(['Payment failed for order o2', 'Payment received for order o1', 'We received your order o1']);
    expect(bySubject.get('Payment failed for order o2')).toMatchObject({ to: ['bob@example.com'], from: 'orders@shop.example', messageId: '<payment-o2.payment-failed@notifications.pg-messaging>' });
    expect(bySubject.get('Payment failed for order o2')!.raw).toContain('card_declined');
  });

  it('mails a burst on both queues at once (more handlers than connections: the send locks have a pool of their own)', async () => {
    const before = smtp.mails.length;
    const burst = Array.from({ length: 30 }, (_, n) => [
      { routingKey: 'order.created', messageId: `order-b${n}-created`, payload: { id: `b${n}`, email: `b${n}@example.com`, total: '1.00', currency: 'EUR' } },
      { routingKey: 'payment.completed', messageId: `payment-b${n}`, payload: { orderId: `b${n}`, email: `b${n}@example.com`, amount: '1.00', currency: 'EUR' } },
    ]).flat();
    await broker.publish(burst);
    await waitFor(() => smtp.mails.length - before >= burst.length, { timeoutMs: 30_000, what: `${burst.length} mails` });
    expect(new Set(smtp.mails.slice(before).map((m) => m.messageId)).size).toBe(burst.length);
  });

  it('a redelivered event (forced duplicate) sends no second mail', async () => {
    const event = { routingKey: 'payment.completed', messageId: 'payment-o3', payload: { orderId: 'o3', email: 'cy@example.com', amount: '1.00', currency: 'EUR' } };
    const before = smtp.mails.length;
    await broker.publishToQueue('notifications.payment-events', event);
    await broker.publishToQueue('notifications.payment-events', event);
    await waitFor(async () => {
      const stats = await broker.queueStats('notifications.payment-events');
      return stats.ready + stats.leased + stats.delayed === 0 && smtp.mails.length > before;
    }, { what: 'both copies handled' });
    expect(smtp.mails.slice(before).map((m) => m.subject)).toEqual(['Payment received for order o3']);
  });

  it('retries while the SMTP server refuses, then mails once', async () => {
    const port = Number(new URL(smtp.url).port);
    await smtp.close();
    await broker.publish({ routingKey: 'order.created', messageId: 'order-o4-created', payload: { id: 'o4', email: 'dee@example.com', total: '3.00', currency: 'EUR' } });
    await waitFor(async () => (await broker.queueStats('notifications.order-events')).delayed === 1, { timeoutMs: 20_000, what: 'a failed attempt' });
    smtp = await startSmtpCatcher({ port });
    await waitFor(() => smtp.mails.length === 1, { timeoutMs: 20_000, what: 'the mail after the retry' });
    expect(smtp.mails[0].subject).toBe('We received your order o4');
  });

  it('dead-letters a mail the SMTP server refuses for good (550) on the first attempt, with the SMTP reply', async () => {
    await broker.publish({ routingKey: 'order.created', messageId: 'order-o5-created', payload: { id: 'o5', email: 'gone@bounce.example', total: '1.00', currency: 'EUR' } });
    const [dead] = await waitFor(() => broker.browse<Delivery>('notifications.order-events.dlq'), { what: 'the dead letter' });
    expect(dead.messageId).toBe('order-o5-created');
    expect(dead.deaths[0]).toMatchObject({ queue: 'notifications.order-events', reason: 'rejected', count: 1 });
    expect(dead.deaths[0].lastError).toContain('RejectMessageError: SMTP refused the mail for event order-o5-created: 550');
    expect(dead.deaths[0].lastError).toContain('no such mailbox');
    // The SMTP reply quotes the recipient: the death history (read by operators, alerts) does not.
    expect(dead.deaths[0].lastError).toContain('<[email]>');
    expect(JSON.stringify(dead.deaths)).not.toContain('gone@bounce.example');
  });

  it('retries a mail the SMTP server refuses for now (451) with the backoff, then mails once', async () => {
    const port = Number(new URL(smtp.url).port);
    await smtp.close();
    const busy = await startBusySmtpServer(port);
    try {
      await broker.publish({ routingKey: 'order.created', messageId: 'order-o6-created', payload: { id: 'o6', email: 'eve@example.com', total: '2.00', currency: 'EUR' } });
      const [row] = await waitFor(
        async () =>
          (await broker.pool.query(`SELECT last_error FROM messaging.messages WHERE message_id = 'order-o6-created' AND lease_token IS NULL AND attempts >= 1`)).rows,
        { what: 'a failed attempt' },
      );
      expect(row.last_error).toContain('451 4.2.1 mailbox busy');
      expect(await broker.browse('notifications.order-events.dlq')).not.toContainEqual(expect.objectContaining({ messageId: 'order-o6-created' }));
    } finally {
      await busy.close();
    }
    smtp = await startSmtpCatcher({ port });
    await waitFor(() => smtp.mails.some((m) => m.subject === 'We received your order o6'), { timeoutMs: 20_000, what: 'the mail after the retry' });
  });
});
