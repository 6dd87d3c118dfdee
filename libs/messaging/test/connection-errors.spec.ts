import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, testPool, TsProcess, waitFor, type TestDatabase } from '../testing/index.js';

const HELD_CLIENTS = fileURLToPath(new URL('./fixtures/held-clients-process.ts', import.meta.url));

describe('connection errors', () => {
  let database: TestDatabase;
  let admin: pg.Client;
  let adminPid: number;
  let observer: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase('held_clients');
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    adminPid = (await admin.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    // Not the admin: inside its transaction pg_stat_activity would stay the snapshot of its first read.
    observer = testPool(database.url, 1);
  });
  afterAll(async () => {
    await admin.end();
    await observer.end();
    await database.drop();
  });

  it('a process survives the server terminating its busy and idle connections, and recovers', async () => {
    const lockKey = 4242;
    await admin.query('BEGIN');
    await admin.query('SELECT pg_advisory_xact_lock($1)', [lockKey]);
    await admin.query(`SELECT pg_advisory_xact_lock(hashtextextended('pg-messaging migrate ' || $1 || ' ' || $2, 0))`, ['held_locked', 'broker']);
    const child = new TsProcess(HELD_CLIENTS, { DATABASE_URL: database.url, LOCK_KEY: String(lockKey), LOCKED_SCHEMA: 'held_locked' });
    try {
      await child.waitForEvents('holding');
      // The migrator and both inbox transactions wait on the test's locks; the caller's client and the LISTEN sessions are idle.
      await waitFor(async () => {
        const { rows } = await observer.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [adminPid]);
        return rows[0].n === 3;
      }, { what: 'three connections waiting on the locks' });
      const { rows: terminated } = await observer.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1) AND backend_type = 'client backend'`,
        [adminPid],
      );
      expect(terminated.length).toBeGreaterThanOrEqual(5);
      await admin.query('COMMIT');

      const died = child.exited.then((exit) => Promise.reject(new Error(`the child died (${JSON.stringify(exit)}): ${child.errorOutput}`)));
      await Promise.race([child.waitForEvents('recovered', 1, 30_000), died]);
      expect(child.named('failed').map((e) => e.what).sort()).toEqual(["caller's client", 'migrator', 'pool inbox', 'typeorm inbox']);
      expect(child.child.exitCode).toBeNull();
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      child.kill();
      await child.exited;
    }
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });
});
