import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { Broker } from '@app/messaging';
import { createTestDatabase, freePort, testPool, TsProcess, waitFor, type TestDatabase } from '@app/messaging/testing';
import { startSmtpCatcher, type CaughtMail, type RunningSmtpCatcher } from '../../smtp-catcher/src/smtp-catcher.js';
import type { InDoubtPolicy } from '../src/notifications/send-ledger.js';
import { mailMessageId } from '../src/notifications/templates.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * A send in doubt made by a real crash: the worker process is SIGKILLed the moment the SMTP server has taken the
 * whole mail (DATA ended), before its 250 reaches the worker, so the mail exists and nothing was marked. The
 * message's 30 s lease is then let run out at once (visible_at moved to now: the same as waiting it out), and a new
 * worker process gets the redelivery.
 */
describe.each<InDoubtPolicy>(['resend', 'skip'])('a mail whose send is in doubt after the worker was SIGKILLed right after DATA (MAIL_IN_DOUBT=%s)', (policy) => {
  let notificationsDb: TestDatabase;
  let brokerDb: TestDatabase;
  let smtp: RunningSmtpCatcher;
  let broker: Broker;
  let notifications: pg.Pool;
  const workers: TsProcess[] = [];
  let killOn: string | null = null;

  const startWorker = async () => {
    const port = await freePort();
    const worker = new TsProcess(MAIN, {
      OPS_PORT: String(port),
      OPS_HOST: '127.0.0.1',
      NOTIFICATIONS_DATABASE_URL: notificationsDb.url,
      BROKER_DATABASE_URL: brokerDb.url,
      SMTP_URL: smtp.url,
      MAIL_IN_DOUBT: policy,
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    await waitFor(() => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false), { timeoutMs: 30_000, what: 'the worker healthy' });
    return worker;
  };
  const mailsOf = (eventId: string) => smtp.mails.filter((m) => m.messageId.startsWith(`<${eventId}.`));
  const row = async (eventId: string) =>
    (await notifications.query<{ state: string; sends: number; mail_message_id: string }>(`SELECT state, sends, mail_message_id FROM sent_mails WHERE event_message_id = $1`, [eventId])).rows[0];
  const event = (n: string) => ({ routingKey: 'order.created', messageId: `order-${n}-created`, payload: { id: n, email: `${n}@example.com`, total: '5.00', currency: 'EUR' } });

  beforeAll(async () => {
    notificationsDb = await createTestDatabase('notifications');
    brokerDb = await createTestDatabase('broker');
    smtp = await startSmtpCatcher({
      // Runs when the server has the whole mail, before it answers 250: the client dies not knowing it was sent.
      onMail: (mail: CaughtMail) => {
        if (killOn && mail.messageId === killOn) {
          killOn = null;
          workers.at(-1)!.kill('SIGKILL');
        }
      },
    });
    notifications = testPool(notificationsDb.url, 1);
    await startWorker();
    broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 2 });
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGKILL');
      await worker.exited;
    }
    await broker?.close();
    await notifications?.end();
    await smtp?.close();
    await notificationsDb?.drop();
    await brokerDb?.drop();
  });

  it(policy === 'resend' ? 'is sent again with the same Message-ID: two copies of one mail, never two Message-IDs' : 'is not sent again, and the skip is recorded and logged', async () => {
    const doubtful = event(`doubt-${policy}`);
    const messageId = mailMessageId('order.created', doubtful.messageId);
    killOn = messageId;
    await broker.publish(doubtful);
    expect((await workers[0].exited).signal).toBe('SIGKILL');
    expect(mailsOf(doubtful.messageId)).toHaveLength(1);
    // The intent was committed before the send, and nothing marked it: the send is in doubt.
    expect(await row(doubtful.messageId)).toEqual({ state: 'intended', sends: 1, mail_message_id: messageId });

    const leased = await broker.pool.query(`UPDATE messaging.messages SET visible_at = now() WHERE message_id = $1 AND lease_token IS NOT NULL`, [doubtful.messageId]);
    expect(leased.rowCount).toBe(1);
    const successor = await startWorker();
    await waitFor(async () => ['sent', 'skipped'].includes((await row(doubtful.messageId)).state), { timeoutMs: 30_000, what: 'the redelivery settled' });
    await waitFor(async () => (await broker.queueStats('notifications.order-events')).leased === 0, { what: 'the redelivery acked' });

    const copies = mailsOf(doubtful.messageId);
    if (policy === 'resend') {
      expect(copies.map((m) => m.messageId)).toEqual([messageId, messageId]);
      expect(await row(doubtful.messageId)).toEqual({ state: 'sent', sends: 2, mail_message_id: messageId });
      expect(successor.events.some((e) => String(e.msg).includes(`Mail for event ${doubtful.messageId} resent with the same Message-ID`))).toBe(true);
    } else {
      expect(copies.map((m) => m.messageId)).toEqual([messageId]);
      expect(await row(doubtful.messageId)).toEqual({ state: 'skipped', sends: 1, mail_message_id: messageId });
      expect(successor.events).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining(`Mail for event ${doubtful.messageId} skipped: its send is in doubt`) }));
    }

    // The next event is mailed once, as usual.
    const next = event(`next-${policy}`);
    await broker.publish(next);
    await waitFor(async () => (await row(next.messageId))?.state === 'sent', { what: 'the next mail sent' });
    expect(mailsOf(next.messageId).map((m) => m.messageId)).toEqual([mailMessageId('order.created', next.messageId)]);
    expect(await row(next.messageId)).toMatchObject({ state: 'sent', sends: 1 });
  }, 90_000);
});
