import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { Broker, DeadLetterAlerter, InvalidArgumentError, MessagingModule, migrate, Outbox, OutboxRelay, SERVICE_MIGRATIONS, ServiceDatabaseModule, type Delivery } from '../src/index.js';
import { createTestDatabase, recordingLogger as linesAndContext, startPgBouncer, testDatabaseUrl, testPool, uniqueSchemaName, waitFor, type RunningPgBouncer } from '../testing/index.js';

/** Collects what the library logs, but for the handlers' own failures: behind PgBouncer nothing else may warn or fail. */
function recordingLogger() {
  const lines: string[] = [];
  const record = (message: string, error?: unknown) => {
    const line = `${message} ${error instanceof Error ? error.message : ''}`;
    if (!/failure of \d+|no retries left/.test(line)) lines.push(line);
  };
  return { lines, log: () => undefined, warn: record, error: record };
}

describe('behind PgBouncer 1.18 in transaction mode (pgbouncer: true)', () => {
  let bouncer: RunningPgBouncer;
  const schema = uniqueSchemaName('pgbouncer');
  const admin = testPool(testDatabaseUrl(), 1);

  beforeAll(async () => {
    // 5 server connections for 2 brokers of 20 client connections each and a relay: they really are shared.
    bouncer = await startPgBouncer({ upstreamUrl: testDatabaseUrl(), poolSize: 5 });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}_service" CASCADE`);
    await admin.end();
  });

  it('publishes, consumes, acks, retries and dead-letters under concurrency: nothing lost, nothing doubled, no error', async () => {
    const logger = recordingLogger();
    const connect = () => Broker.connect({ connectionString: bouncer.url, schema, poolSize: 20, pgbouncer: true, logger });
    const [producer, other] = [await connect(), await connect()];
    try {
      expect(producer.preparedStatements).toBe(false);
      await producer.declareQueue('work', { maxAttempts: 3, retryBaseMs: 10, retryJitter: 0 });
      await producer.bindQueue('work', 'work.*');

      const total = 200;
      const results = await Promise.allSettled(
        Array.from({ length: total }, (_, n) => producer.publish({ routingKey: 'work.item', payload: { n }, messageId: `m-${n}` })),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

      // Every 7th fails once (then succeeds on retry); every 50th always fails (dead-lettered after 3 attempts).
      const succeeded = new Map<string, number>();
      const attempts = new Map<string, number>();
      const handler = async (delivery: Delivery<{ n: number }>) => {
        attempts.set(delivery.messageId, (attempts.get(delivery.messageId) ?? 0) + 1);
        const { n } = delivery.payload;
        if (n % 50 === 0) throw new Error(`permanent failure of ${n}`);
        if (n % 7 === 0 && delivery.attempt === 1) throw new Error(`transient failure of ${n}`);
        succeeded.set(delivery.messageId, (succeeded.get(delivery.messageId) ?? 0) + 1);
      };
      const consumers = [
        await producer.consume('work', handler, { concurrency: 10, pollIntervalMs: 50 }),
        await other.consume('work', handler, { concurrency: 10, pollIntervalMs: 50 }),
      ];
      const doomed = Array.from({ length: total }, (_, n) => n).filter((n) => n % 50 === 0);
      await waitFor(() => succeeded.size === total - doomed.length, { timeoutMs: 30_000, what: 'every message but the doomed ones' });
      const deadLetters = await waitFor(async () => {
        const rows = await producer.browse<{ n: number }>('work.dlq');
        return rows.length === doomed.length ? rows : null;
      }, { what: 'the doomed messages in the dead-letter queue' });
      await Promise.all(consumers.map((c) => c.stop()));

      expect(deadLetters.map((d) => d.payload.n).sort((a, b) => a - b)).toEqual(doomed);
      expect([...succeeded.values()].filter((count) => count > 1)).toEqual([]);
      expect(await producer.queueStats('work')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
      expect(attempts.get('m-7')).toBe(2);
      expect(attempts.get('m-50')).toBe(3);
      expect(logger.lines).toEqual([]);
    } finally {
      await other.close();
      await producer.close();
    }
  });

  it('relays the outbox and raises dead-letter alerts by polling, with nothing listening', async () => {
    const logger = recordingLogger();
    const broker = await Broker.connect({ connectionString: bouncer.url, schema, poolSize: 4, pgbouncer: true, logger });
    const servicePool = new pg.Pool({ connectionString: bouncer.url, max: 4 });
    servicePool.on('error', () => undefined);
    const serviceSchema = `${schema}_service`;
    const alertLog = linesAndContext();
    const relay = new OutboxRelay({ database: servicePool, schema: serviceSchema, broker, listen: false, pollIntervalMs: 50, logger });
    const alerter = new DeadLetterAlerter({ broker, pollIntervalMs: 50, logger: alertLog });
    try {
      const migrator = await servicePool.connect();
      await migrate(migrator, serviceSchema, SERVICE_MIGRATIONS).finally(() => migrator.release());
      await broker.declareQueue('relayed', { maxAttempts: 1 });
      await broker.bindQueue('relayed', 'relayed');
      await relay.start();
      await alerter.start();
      const outbox = new Outbox({ schema: serviceSchema });
      const client = await servicePool.connect();
      try {
        await client.query('BEGIN');
        await outbox.publish([1, 2, 3].map((n) => ({ routingKey: 'relayed', payload: { n } })), { transaction: client });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const consumed: number[] = [];
      const consumer = await broker.consume<{ n: number }>('relayed', async (delivery) => {
        consumed.push(delivery.payload.n);
        if (delivery.payload.n === 3) throw new Error('no retries left');
      }, { pollIntervalMs: 50 });
      await waitFor(() => consumed.length === 3, { what: 'the relayed messages' });
      // The first test's dead letters are alerted too (same schema); this one is the relayed message's.
      const alert = await waitFor(() => alertLog.at('error').map((line) => line.context[0] as { queue: string }).find((a) => a.queue === 'relayed'), {
        what: 'the dead-letter alert',
      });
      await consumer.stop();
      expect(consumed.sort()).toEqual([1, 2, 3]);
      expect(alert).toMatchObject({ queue: 'relayed', deadLetterQueue: 'relayed.dlq' });
      expect(broker.listenerBackendPid).toBeUndefined();
      expect(logger.lines).toEqual([]);
    } finally {
      await alerter.stop();
      await relay.stop();
      await broker.close();
      await servicePool.end();
    }
  });

  it('refuses a consumer that asks to LISTEN, which transaction pooling cannot carry, and a pgbouncer option that is not a boolean', async () => {
    const broker = await Broker.connect({ connectionString: bouncer.url, schema, poolSize: 1, pgbouncer: true });
    try {
      await expect(broker.consume('work', async () => undefined, { listen: true })).rejects.toThrow(InvalidArgumentError);
    } finally {
      await broker.close();
    }
    await expect(Broker.connect({ connectionString: bouncer.url, schema, pgbouncer: 'yes' as unknown as boolean })).rejects.toThrow(InvalidArgumentError);
  });

  it('runs a Nest service database behind PgBouncer too (pgbouncer: true): migrated, TypeORM, its outbox relayed', async () => {
    const serviceDb = await createTestDatabase('pgbouncer_service');
    const serviceBouncer = await startPgBouncer({ upstreamUrl: serviceDb.url, poolSize: 3 });
    @Module({
      imports: [
        MessagingModule.forRoot({ connectionString: bouncer.url, schema, poolSize: 2, pgbouncer: true }),
        ServiceDatabaseModule.forRoot({ url: serviceBouncer.url, entities: [], migrations: [], pgbouncer: true, poolSize: 2, consumerPoolSize: 2 }),
      ],
    })
    class ServiceModule {}
    const app = await NestFactory.createApplicationContext(ServiceModule, { logger: false });
    try {
      await app.init();
      const broker = app.get(Broker);
      await broker.declareQueue('from-service');
      await broker.bindQueue('from-service', 'service.event');
      await app.get(DataSource).transaction((manager) => app.get(Outbox).publish({ routingKey: 'service.event', payload: { ok: true } }, { transaction: manager }));
      const [delivery] = await waitFor(() => broker.claim('from-service'), { what: 'the relayed message' });
      expect(delivery.payload).toEqual({ ok: true });
      await broker.ack(delivery);
    } finally {
      await app.close();
      await serviceBouncer.stop();
      await serviceDb.drop();
    }
  });
});
