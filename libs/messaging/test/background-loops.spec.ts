import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Registry } from 'prom-client';
import { Broker, DeadLetterAlerter, migrateDatabase, OutboxRelay, SERVICE_MIGRATIONS } from '../src/index.js';
import { createTestDatabase, recordingLogger, startEmbeddedPostgres, testDatabaseUrl, waitFor, type RunningPostgres, type TestDatabase } from '../testing/index.js';

/** Lets `ms` of idle time pass: the thing measured is what happens in that window. */
const idleFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the background loops (dead-letter alerter, outbox relay)', () => {
  describe('idle', () => {
    let database: TestDatabase;
    let broker: Broker;
    const admin = new pg.Pool({ connectionString: testDatabaseUrl(), max: 1 });

    beforeAll(async () => {
      database = await createTestDatabase('alerter_idle');
      broker = await Broker.connect({ connectionString: database.url, poolSize: 2 });
    });
    afterAll(async () => {
      await broker.close();
      await admin.end();
      await database.drop();
    });

    const commits = async () =>
      Number((await admin.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1', [database.name])).rows[0].n);

    it('polls once per interval when there is nothing to alert on, not in a busy loop', async () => {
      const alerter = await new DeadLetterAlerter({ broker, registry: new Registry(), logger: recordingLogger() }).start();
      try {
        const before = await commits();
        await idleFor(4_000);
        // A backend's counters reach pg_stat_database when it goes idle, at most once a second: 4 s of polls at
        // 1/s are 4 commits, plus, on a loaded machine, the late flush of Broker.connect's migration commits. The busy
        // loop made about 2,000 here.
        const made = (await commits()) - before;
        expect(made).toBeLessThan(30);
      } finally {
        await alerter.stop();
      }
    });
  });

  describe('when its database goes away', () => {
    let server: RunningPostgres;
    let dataDir: string;
    let broker: Broker;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'alerter-outage-'));
      server = await startEmbeddedPostgres({ dataDir: join(dataDir, 'data') });
      broker = await Broker.connect({ connectionString: server.url, poolSize: 2, logger: recordingLogger() });
      await migrateDatabase(server.url, 'service', SERVICE_MIGRATIONS);
    }, 120_000);
    afterAll(async () => {
      await broker.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('each logs one line when the outage starts, backs off, and logs one line when it is over', async () => {
      const alerterLog = recordingLogger();
      const relayLog = recordingLogger();
      const alerter = await new DeadLetterAlerter({ broker, registry: new Registry(), logger: alerterLog }).start();
      const relay = await new OutboxRelay({ database: server.url, schema: 'service', broker, listen: false, logger: relayLog }).start();
      try {
        await server.stop();
        await waitFor(() => alerterLog.at('error').length === 1 && relayLog.at('error').length === 1, { what: 'the outage to be logged' });
        // Every failed round leaves a debug line; the busy loop tried (and logged a stack trace) about 1,000 times in 3 s.
        const triesAtStart = [alerterLog.at('debug').length, relayLog.at('debug').length];
        await idleFor(3_000);
        // Backoff from 1 s (alerter) and 200 ms (relay), doubling: at most 3 and 5 more tries in 3 s.
        expect(alerterLog.at('debug').length - triesAtStart[0]).toBeLessThanOrEqual(3);
        expect(relayLog.at('debug').length - triesAtStart[1]).toBeLessThanOrEqual(5);
        expect(alerterLog.at('error')).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Dead-letter alerter failed: .+; retrying with backoff/) })]);
        expect(relayLog.at('error')).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Outbox relay failed: .+; retrying with backoff/) })]);
        expect(alerter.failing).toBe(true);

        await server.start();
        await waitFor(() => alerterLog.at('log').length === 1 && relayLog.at('log').length === 1, { timeoutMs: 40_000, what: 'the recoveries to be logged' });
        expect(alerterLog.at('log')[0].message).toMatch(/^Dead-letter alerter recovered after \d+ failed round\(s\) over [\d.]+ s$/);
        expect(relayLog.at('log')[0].message).toMatch(/^Outbox relay recovered after \d+ failed round\(s\) over [\d.]+ s$/);
        expect([alerterLog.at('error').length, relayLog.at('error').length]).toEqual([1, 1]);
        expect(alerter.failing).toBe(false);
      } finally {
        await relay.stop();
        await alerter.stop();
      }
    }, 90_000);
  });
});
