import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { Consume, Inbox, MessagingExceptionFilter, migrate, PgContext, PgServer, SERVICE_MIGRATIONS } from '../src/index.js';
import { createTestBroker, createTestDatabase, waitFor, type TestBroker, type TestDatabase, testPool } from '../testing/index.js';

describe('idempotent inbox', () => {
  let t: TestBroker;
  let service: TestDatabase;
  let pool: pg.Pool;
  let dataSource: DataSource;
  let inbox: Inbox<EntityManager>;

  beforeAll(async () => {
    t = await createTestBroker('inbox');
    service = await createTestDatabase('mail_service');
    pool = testPool(service.url, 4);
    const client = await pool.connect();
    await migrate(client, 'messaging', SERVICE_MIGRATIONS);
    await client.query(`CREATE TABLE mails (id serial PRIMARY KEY, message_id text NOT NULL, body text NOT NULL)`);
    client.release();
    dataSource = new DataSource({ type: 'postgres', url: service.url, poolSize: 3 });
    await dataSource.initialize();
    inbox = new Inbox(dataSource);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await pool.end();
    await service.drop();
    await t.cleanup();
  });

  const mails = async (messageId: string) =>
    (await pool.query(`SELECT body FROM mails WHERE message_id = $1`, [messageId])).rows.map((r) => r.body as string);
  const inboxRows = async (messageId: string) =>
    (await pool.query(`SELECT consumer FROM messaging.inbox WHERE message_id = $1`, [messageId])).rows.map((r) => r.consumer as string);

  it('the same message delivered twice (a forced duplicate) has one effect; both deliveries are acked', async () => {
    await t.broker.declareQueue('mail.order-created');
    const message = { routingKey: 'order.created', payload: { to: 'a@example.com' }, messageId: 'order-1-created' };
    await t.broker.publishToQueue('mail.order-created', message);
    await t.broker.publishToQueue('mail.order-created', message);
    const runs: boolean[] = [];
    const consumer = await t.broker.consume('mail.order-created', async (d) => {
      const result = await inbox.process({ messageId: d.messageId, consumer: d.queue }, async (manager) => {
        await manager.query(`INSERT INTO mails (message_id, body) VALUES ($1, $2)`, [d.messageId, `hello ${d.attempt}`]);
      });
      runs.push(result.processed);
    }, { concurrency: 1 });
    await waitFor(() => runs.length === 2, { what: 'both deliveries' });
    await consumer.stop();
    expect(runs).toEqual([true, false]);
    expect(await mails('order-1-created')).toEqual(['hello 1']);
    expect(await inboxRows('order-1-created')).toEqual(['mail.order-created']);
    expect(await t.broker.queueStats('mail.order-created')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('the effect and the inbox row commit together: a handler that throws after writing leaves neither, and the retry applies once', async () => {
    await t.broker.declareQueue('mail.flaky', { retryBaseMs: 0, retryMaxMs: 0 });
    await t.broker.publishToQueue('mail.flaky', { routingKey: 'order.paid', payload: {}, messageId: 'order-2-paid' });
    const attempts: number[] = [];
    let afterFirst: { mails: string[]; inbox: string[] } | undefined;
    const consumer = await t.broker.consume('mail.flaky', async (d) => {
      attempts.push(d.attempt);
      if (d.attempt === 2) afterFirst = { mails: await mails(d.messageId), inbox: await inboxRows(d.messageId) };
      await inbox.process({ messageId: d.messageId, consumer: d.queue }, async (manager) => {
        await manager.query(`INSERT INTO mails (message_id, body) VALUES ($1, $2)`, [d.messageId, `attempt ${d.attempt}`]);
        if (d.attempt === 1) throw new Error('SMTP server said 421, try later');
      });
    }, { pollIntervalMs: 50 });
    await waitFor(async () => (await mails('order-2-paid')).length === 1, { what: 'the retry' });
    await consumer.stop();
    expect(attempts).toEqual([1, 2]);
    expect(afterFirst).toEqual({ mails: [], inbox: [] });
    expect(await mails('order-2-paid')).toEqual(['attempt 2']);
  });

  it('keeps consumers apart: two consumers of one message each apply it once', async () => {
    for (const consumer of ['mail.a', 'mail.b']) {
      const result = await inbox.process({ messageId: 'shared-1', consumer }, async () => 'done');
      expect(result).toEqual({ processed: true, result: 'done' });
    }
    expect(await inbox.process({ messageId: 'shared-1', consumer: 'mail.a' }, async () => 'again')).toEqual({ processed: false });
  });

  it('purges rows older than the retention, and only those', async () => {
    const short = new Inbox(dataSource, { retentionMs: 60_000 });
    await short.process({ messageId: 'old-1', consumer: 'mail.old' }, async () => undefined);
    await short.process({ messageId: 'new-1', consumer: 'mail.old' }, async () => undefined);
    await pool.query(`UPDATE messaging.inbox SET processed_at = now() - interval '2 minutes' WHERE message_id = 'old-1'`);
    expect(await short.purge()).toBeGreaterThanOrEqual(1);
    expect(await inboxRows('old-1')).toEqual([]);
    expect(await inboxRows('new-1')).toEqual(['mail.old']);
    expect(() => new Inbox(dataSource, { retentionMs: 10 })).toThrow('retentionMs');
  });

  it('works in a Nest handler with @Ctx(): the consumer is the handler queue', async () => {
    const seen: string[] = [];
    @Controller()
    class MailHandlers {
      @Consume('order.shipped', { queue: 'mail.order-shipped' })
      async shipped(@Payload() data: { to: string }, @Ctx() ctx: PgContext) {
        const result = await inbox.process(ctx, async (manager) => {
          await manager.query(`INSERT INTO mails (message_id, body) VALUES ($1, $2)`, [ctx.getMessageId(), `shipped to ${data.to}`]);
        });
        seen.push(`${ctx.getAttempt()}:${result.processed}`);
      }
    }
    @Module({ controllers: [MailHandlers] })
    class MailModule {}
    const app: INestMicroservice = await NestFactory.createMicroservice<MicroserviceOptions>(MailModule, {
      strategy: new PgServer({ serviceName: 'mail', broker: t.broker }),
      logger: false,
    });
    app.useGlobalFilters(new MessagingExceptionFilter());
    await app.listen();
    try {
      const message = { routingKey: 'order.shipped', payload: { to: 'b@example.com' }, messageId: 'order-3-shipped' };
      await t.broker.publish(message);
      await t.broker.publish(message);
      await waitFor(() => seen.length === 2, { what: 'both copies' });
      expect(seen.sort()).toEqual(['1:false', '1:true']);
      expect(await mails('order-3-shipped')).toEqual(['shipped to b@example.com']);
      expect(await inboxRows('order-3-shipped')).toEqual(['mail.order-shipped']);
    } finally {
      await app.close();
    }
  });
});
