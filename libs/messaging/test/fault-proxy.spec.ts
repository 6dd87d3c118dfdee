import pg from 'pg';
import { survivingConnectionErrors } from '../src/index.js';
import { startFaultProxy, type FaultProxy } from '../testing/faults/index.js';
import { testDatabaseUrl, testPool, uniqueSchemaName, waitFor } from '../testing/index.js';

/** Each mode of the fault proxy, as a pg client on the far side of it sees it, against the real PostgreSQL. */
describe('FaultProxy between pg and PostgreSQL', () => {
  const schema = uniqueSchemaName('fault_proxy');
  const admin = testPool(testDatabaseUrl(), 2);
  let proxy: FaultProxy;
  const clients: pg.Client[] = [];

  const client = async (config: pg.ClientConfig = {}): Promise<pg.Client> => {
    const created = survivingConnectionErrors(new pg.Client({ connectionString: proxy.through(testDatabaseUrl()), ...config }));
    clients.push(created);
    await created.connect();
    return created;
  };
  /** What a promise did within `ms`: its value, its error, or still pending. */
  const within = async <T>(promise: Promise<T>, ms: number) =>
    Promise.race([
      promise.then((value) => ({ state: 'resolved' as const, value }), (error: Error) => ({ state: 'rejected' as const, error })),
      new Promise<{ state: 'pending' }>((resolve) => setTimeout(() => resolve({ state: 'pending' }), ms)),
    ]);
  const rows = async (table: string) => (await admin.query(`SELECT id FROM "${schema}"."${table}" ORDER BY id`)).rows.map((row) => row.id as number);

  beforeAll(async () => {
    const url = new URL(testDatabaseUrl());
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
    await admin.query(`CREATE SCHEMA "${schema}"`);
    for (const table of ['simple', 'extended', 'named', 'every', 'statement']) await admin.query(`CREATE TABLE "${schema}"."${table}" (id int PRIMARY KEY)`);
  });
  afterEach(async () => {
    proxy.pass();
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(async () => {
    await proxy.close();
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  });

  it('pass forwards queries and counts the connections', async () => {
    const before = proxy.stats.accepted;
    const c = await client();
    expect((await c.query('SELECT 41 + 1 AS answer')).rows).toEqual([{ answer: 42 }]);
    expect(proxy.stats.accepted).toBe(before + 1);
    expect(proxy.stats.open).toBeGreaterThanOrEqual(1);
  });

  it('blackhole leaves queries and new connections hanging without an error, and delivers them once it heals', async () => {
    const open = await client();
    proxy.blackhole();
    const query = open.query('SELECT 7 AS seven');
    const connecting = client();
    expect(await within(query, 700)).toEqual({ state: 'pending' });
    expect(await within(connecting, 10)).toEqual({ state: 'pending' });
    // A client with a connection timeout gives up: that is how it notices.
    const impatient = new pg.Client({ connectionString: proxy.through(testDatabaseUrl()), connectionTimeoutMillis: 300 });
    await expect(impatient.connect()).rejects.toThrow(/timeout/i);
    proxy.pass();
    expect((await query).rows).toEqual([{ seven: 7 }]);
    expect((await (await connecting).query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(proxy.stats.modes.blackhole).toBeGreaterThanOrEqual(1);
  });

  it('reset ends open connections with ECONNRESET, the server ends their sessions, and new ones are reset too', async () => {
    const c = await client({ application_name: 'fault-proxy-reset' });
    const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const running = c.query('SELECT pg_sleep(30)');
    const resetBefore = proxy.stats.reset;
    proxy.reset();
    await expect(running).rejects.toThrow(/ECONNRESET|terminated/);
    await expect(client()).rejects.toThrow(/ECONNRESET|terminated/);
    expect(proxy.stats.reset).toBe(resetBefore + 2);
    await waitFor(async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0, {
      what: 'the server to end the reset session',
    });
  });

  it('refuse closes new connections at once while the open ones carry on', async () => {
    const open = await client();
    const refusedBefore = proxy.stats.refused;
    proxy.refuse();
    await expect(client()).rejects.toThrow(/terminated|ECONNRESET/);
    expect((await open.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    expect(proxy.stats.refused).toBe(refusedBefore + 1);
  });

  it('delay holds each direction, keeping the order of the bytes', async () => {
    const c = await client();
    proxy.delay(150, 50);
    const startedAt = Date.now();
    const answers = await Promise.all([1, 2, 3].map((n) => c.query('SELECT $1::int AS n', [n])));
    const tookMs = Date.now() - startedAt;
    expect(answers.map((answer) => answer.rows[0].n)).toEqual([1, 2, 3]);
    // Three queries one after the other, each there and back: at least 6 × 150 ms (a lower bound, not a timing).
    expect(tookMs).toBeGreaterThanOrEqual(900);
  });

  const ambiguous = async (table: string, commit: pg.QueryConfig) => {
    const c = await client();
    const cutBefore = proxy.stats.commitsCut;
    await c.query('BEGIN');
    await c.query(`INSERT INTO "${schema}"."${table}" VALUES (1)`);
    proxy.cutAfterCommit();
    await expect(c.query(commit)).rejects.toThrow(/ECONNRESET|terminated/);
    proxy.pass();
    expect(proxy.stats.commitsCut).toBe(cutBefore + 1);
    // The client got an error, yet the server committed: the row is there.
    expect(await rows(table)).toEqual([1]);
  };

  it('cutAfterCommit: a simple-protocol COMMIT commits but its client gets an error instead of the answer', async () => {
    const committedBefore = proxy.stats.commitsCutCommitted;
    await ambiguous('simple', { text: 'COMMIT' });
    expect(proxy.stats.commitsCutCommitted).toBe(committedBefore + 1);
  });

  it('cutAfterCommit: an extended-protocol COMMIT (Parse/Bind/Execute/Sync), unnamed and as a named statement', async () => {
    await ambiguous('extended', { text: 'COMMIT', queryMode: 'extended' } as pg.QueryConfig);
    await ambiguous('named', { name: 'commit-it', text: 'commit' });
  });

  it('cutAfterCommit cuts one COMMIT in `every`, at most `limit`, lets other statements through, and says when the server rolled back', async () => {
    const c = await client();
    const seenBefore = proxy.stats.commitsSeen;
    proxy.cutAfterCommit({ every: 2, limit: 1 });
    const outcomes: string[] = [];
    for (let id = 1; id <= 4; id += 1) {
      const session = id === 1 ? c : await client();
      await session.query('BEGIN');
      await session.query(`INSERT INTO "${schema}"."every" VALUES ($1)`, [id]);
      outcomes.push(await session.query('COMMIT').then(() => 'ok', () => 'error'));
    }
    // The second COMMIT since the switch is cut; the fourth would be, but for the limit.
    expect(outcomes).toEqual(['ok', 'error', 'ok', 'ok']);
    expect(proxy.stats.commitsSeen).toBe(seenBefore + 4);
    expect(await rows('every')).toEqual([1, 2, 3, 4]);

    // A COMMIT of a failed transaction is answered ROLLBACK: cut, but not counted as committed.
    proxy.cutAfterCommit({ every: 1, limit: Number.POSITIVE_INFINITY });
    const failed = await client();
    const committedBefore = proxy.stats.commitsCutCommitted;
    const cutBefore = proxy.stats.commitsCut;
    await failed.query('BEGIN');
    await expect(failed.query(`INSERT INTO "${schema}"."every" VALUES (1)`)).rejects.toThrow(/duplicate key/);
    await expect(failed.query('COMMIT')).rejects.toThrow(/ECONNRESET|terminated/);
    expect(proxy.stats.commitsCut).toBe(cutBefore + 1);
    expect(proxy.stats.commitsCutCommitted).toBe(committedBefore);
  });

  it('cutAfterCommit with `statements` also cuts a matching statement that commits by itself, but not one inside a transaction', async () => {
    const c = await client();
    const cutBefore = proxy.stats.commitsCut;
    const committedBefore = proxy.stats.commitsCutCommitted;
    proxy.cutAfterCommit({ statements: /^INSERT INTO/, limit: 1 });
    await c.query('BEGIN');
    await c.query(`INSERT INTO "${schema}"."statement" VALUES (2)`);
    await c.query('ROLLBACK');
    await expect(c.query(`INSERT INTO "${schema}"."statement" VALUES ($1)`, [1])).rejects.toThrow(/ECONNRESET|terminated/);
    expect(await rows('statement')).toEqual([1]);
    expect(proxy.stats.commitsCut).toBe(cutBefore + 1);
    expect(proxy.stats.commitsCutCommitted).toBe(committedBefore + 1);
  });
});
