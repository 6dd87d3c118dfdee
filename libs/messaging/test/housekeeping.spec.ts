import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import pg from 'pg';
import { Broker, Housekeeping, Inbox, MessagingModule, migrate, PgServer, SERVICE_MIGRATIONS, ServiceDatabaseModule } from '../src/index.js';
import { createTestBroker, createTestDatabase, recordingLogger, testDatabaseUrl, testPool, uniqueSchemaName, waitFor, type TestBroker, type TestDatabase } from '../testing/index.js';

describe('housekeeping', () => {
  let t: TestBroker;
  let service: TestDatabase;
  let servicePool: pg.Pool;

  beforeAll(async () => {
    t = await createTestBroker('housekeeping');
    service = await createTestDatabase('housekeeping_service');
    servicePool = testPool(service.url, 4);
    const client = await servicePool.connect();
    await migrate(client, 'messaging', SERVICE_MIGRATIONS);
    client.release();
  });
  afterAll(async () => {
    await servicePool.end();
    await service.drop();
    await t.cleanup();
  });

  /** Deduplication ids: `expired` past their window, `live` within it. */
  async function seedDeduplication(schema: string, query: TestBroker['query'], expired: string[], live: string[]): Promise<void> {
    await query(
      `INSERT INTO "${schema}".deduplication (message_id, expires_at)
       SELECT id, now() - interval '1 minute' FROM unnest($1::text[]) id UNION ALL SELECT id, now() + interval '1 hour' FROM unnest($2::text[]) id`,
      [expired, live],
    );
  }
  const deduplicationIds = async (schema: string, query: TestBroker['query']) =>
    (await query<{ message_id: string }>(`SELECT message_id FROM "${schema}".deduplication ORDER BY 1`)).map((r) => r.message_id);

  /** Declares queues that expire: `lapsed` ones a minute ago, `renewed` ones in an hour. */
  async function seedExpiringQueues(broker: Broker, schema: string, query: TestBroker['query'], lapsed: string[], renewed: string[]): Promise<void> {
    for (const name of [...lapsed, ...renewed]) {
      await broker.declareQueue(name, { deadLetterQueue: null });
      await broker.renewQueue(name, 60 * 60 * 1000);
    }
    await broker.publishToQueue(lapsed[0], { routingKey: 'reply', payload: {} });
    await query(`UPDATE "${schema}".queues SET expires_at = now() - interval '1 minute' WHERE name = ANY($1)`, [lapsed]);
  }

  /** Inbox rows: `old` ones processed 8 days ago (past the default 7-day retention), `fresh` ones now. */
  async function seedInbox(old: string[], fresh: string[]): Promise<void> {
    await servicePool.query(
      `INSERT INTO messaging.inbox (consumer, message_id, processed_at)
       SELECT 'mail', id, now() - interval '8 days' FROM unnest($1::text[]) id UNION ALL SELECT 'mail', id, now() FROM unnest($2::text[]) id`,
      [old, fresh],
    );
  }
  const inboxIds = async () => (await servicePool.query<{ message_id: string }>(`SELECT message_id FROM messaging.inbox ORDER BY 1`)).rows.map((r) => r.message_id);

  it("the broker's chores forget expired deduplication ids and delete lapsed queues with their messages, and keep the rest", async () => {
    await seedDeduplication(t.schema, t.query, ['d-old-1', 'd-old-2', 'd-old-3'], ['d-live']);
    await seedExpiringQueues(t.broker, t.schema, t.query, ['reply.lapsed'], ['reply.renewed']);
    const logger = recordingLogger();
    const housekeeping = Housekeeping.forBroker(t.broker, { logger, batchSize: 2 }).start();
    try {
      await waitFor(async () => (await deduplicationIds(t.schema, t.query)).length === 1, { what: 'the expired ids to go' });
      await waitFor(async () => (await t.query(`SELECT 1 FROM "${t.schema}".queues WHERE name = 'reply.lapsed'`)).length === 0, { what: 'the lapsed queue to go' });
      expect(await deduplicationIds(t.schema, t.query)).toEqual(['d-live']);
      expect((await t.broker.listQueues()).map((q) => q.name)).toContain('reply.renewed');
      expect(await t.query(`SELECT 1 FROM "${t.schema}".messages WHERE queue = 'reply.lapsed'`)).toEqual([]);
      // Three ids in batches of two: a full batch runs the next one at once.
      expect(housekeeping.removed.get('Deduplication purge')).toBe(3);
      expect(logger.at('error')).toEqual([]);
    } finally {
      await housekeeping.stop();
    }
  });

  it('replicas running the same chores at once remove each row once and fail nothing', async () => {
    const expired = Array.from({ length: 500 }, (_, i) => `replica-${i}`);
    await seedDeduplication(t.schema, t.query, expired, []);
    const loggers = [recordingLogger(), recordingLogger(), recordingLogger()];
    const replicas = loggers.map((logger) => Housekeeping.forBroker(t.broker, { logger, batchSize: 50 }));
    for (const replica of replicas) replica.start();
    try {
      await waitFor(async () => (await deduplicationIds(t.schema, t.query)).filter((id) => id.startsWith('replica-')).length === 0, { what: 'every id to go' });
      const removed = replicas.reduce((sum, replica) => sum + (replica.removed.get('Deduplication purge') ?? 0), 0);
      expect(removed).toBe(500);
      expect(loggers.flatMap((logger) => logger.at('error'))).toEqual([]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
  });

  it('the inbox chore deletes rows older than the retention and keeps newer ones', async () => {
    await seedInbox(['i-old-1', 'i-old-2'], ['i-fresh']);
    const housekeeping = Housekeeping.forInbox(Inbox.forPool(servicePool), { logger: recordingLogger() }).start();
    try {
      await waitFor(async () => (await inboxIds()).length === 1, { what: 'the old rows to go' });
      expect(await inboxIds()).toEqual(['i-fresh']);
    } finally {
      await housekeeping.stop();
      await servicePool.query('DELETE FROM messaging.inbox');
    }
  });

  it('in a Nest app, MessagingModule and ServiceDatabaseModule run the chores on their intervals', async () => {
    const schema = uniqueSchemaName('housekeeping_nest');
    @Module({
      imports: [
        MessagingModule.forRoot({
          connectionString: testDatabaseUrl(),
          schema,
          poolSize: 2,
          logger: recordingLogger(),
          housekeeping: { deduplicationPurgeIntervalMs: 100, expiredQueueSweepIntervalMs: 100 },
        }),
        ServiceDatabaseModule.forRoot({ url: service.url, entities: [], migrations: [], relay: false, inbox: { purgeIntervalMs: 100 } }),
      ],
    })
    class ServiceModule {}
    const app: INestApplicationContext = await NestFactory.createApplicationContext(ServiceModule, { logger: false });
    try {
      await app.init();
      const broker = app.get(Broker);
      // Seeded after boot, so only a later run on the interval can remove them.
      await seedDeduplication(schema, t.query, ['nest-old'], ['nest-live']);
      await seedExpiringQueues(broker, schema, t.query, ['reply.nest-lapsed'], ['reply.nest-renewed']);
      await seedInbox(['nest-inbox-old'], ['nest-inbox-fresh']);
      await waitFor(async () => (await deduplicationIds(schema, t.query)).length === 1, { what: 'the deduplication purge' });
      await waitFor(async () => !(await broker.listQueues()).some((q) => q.name === 'reply.nest-lapsed'), { what: 'the expired queue sweep' });
      await waitFor(async () => (await inboxIds()).length === 1, { what: 'the inbox purge' });
      expect(await deduplicationIds(schema, t.query)).toEqual(['nest-live']);
      expect((await broker.listQueues()).map((q) => q.name)).toContain('reply.nest-renewed');
      expect(await inboxIds()).toEqual(['nest-inbox-fresh']);
    } finally {
      await app.close();
      await t.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it('a PgServer that connects its own broker runs the broker chores (a worker without MessagingModule)', async () => {
    await seedExpiringQueues(t.broker, t.schema, t.query, ['reply.worker-lapsed'], ['reply.worker-renewed']);
    @Module({})
    class WorkerModule {}
    const worker = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, {
      strategy: new PgServer({ serviceName: 'worker', connection: { connectionString: testDatabaseUrl(), schema: t.schema, poolSize: 2, logger: recordingLogger() } }),
      logger: false,
    });
    await worker.listen();
    try {
      await waitFor(async () => !(await t.broker.listQueues()).some((q) => q.name === 'reply.worker-lapsed'), { what: 'the expired queue sweep' });
      expect((await t.broker.listQueues()).map((q) => q.name)).toContain('reply.worker-renewed');
    } finally {
      await worker.close();
    }
  });
});
