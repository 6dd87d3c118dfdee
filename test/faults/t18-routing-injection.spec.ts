// T18 (docs/reliability.md): topic routing equals an independent reference matcher for random patterns and
// keys of hostile text, and hostile names are refused with InvalidNameError before any SQL, leaving the schema as it was.
import fc from 'fast-check';
import pg from 'pg';
import { Broker, Inbox, InvalidNameError, Outbox, OutboxRelay } from '@app/messaging';
import { createTestDatabase, testPool, type TestDatabase } from '@app/messaging/testing';
import { recordFaultReport, sized, faultProfile } from '@app/messaging/testing/faults';
import { catalogDiff, catalogSnapshot } from './t18-routing/catalog.js';
import { referenceTopicMatch } from './t18-routing/reference-topic-match.js';

const INJECTION = "x'); DROP TABLE t;--";
/** Words that break naive SQL, LIKE patterns, regexes or byte counting; `*` and `#` are added as wildcards. */
const WORDS = ["'", ';', '--', '%', '_', '\\', '%_', "''", INJECTION, '$1', 'NULL', ' ', 'ü', 'e\u0301', '😀', '€', '日本', 'a', 'b', '', 'a*', '#b', '**', '\\%', '[a]', '(?:', '^$', '\n'];
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

const freeWord = fc.string({ unit: 'binary', maxLength: 4 }).filter((w) => !w.includes('.') && !w.includes('\0') && w.isWellFormed());
const word = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: freeWord });
const patternWord = fc.oneof({ weight: 3, arbitrary: word }, { weight: 2, arbitrary: fc.constantFrom('*', '#') });
const pattern = fc.array(patternWord, { maxLength: 6 }).map((ws) => ws.join('.'));
/** A key near RabbitMQ's 255-byte limit: its last word padded. */
const padded = (key: string, size: number) => `${key}.${'x'.repeat(Math.max(0, size - bytes(key) - 1))}`;

interface World {
  bindings: string[][];
  keys: string[];
}

/** Queues with 1-3 patterns each; keys half filled-in instances of those patterns (so matches are frequent), some long. */
const world = (queues: number, keys: number): fc.Arbitrary<World> =>
  fc.array(fc.array(pattern, { minLength: 1, maxLength: 3 }), { minLength: queues, maxLength: queues }).chain((bindings) => {
    const all = bindings.flat();
    const instance = fc
      .tuple(fc.constantFrom(...all), fc.array(word, { minLength: 3, maxLength: 3 }), fc.nat(2))
      .map(([p, fill, hashWords]) => (p === '' ? [] : p.split('.')).flatMap((w) => (w === '*' ? [fill[0]] : w === '#' ? fill.slice(1, 1 + hashWords) : [w])).join('.'));
    const random = fc.array(word, { maxLength: 6 }).map((ws) => ws.join('.'));
    const key = fc.oneof({ weight: 5, arbitrary: instance }, { weight: 4, arbitrary: random }, { weight: 1, arbitrary: fc.tuple(instance, fc.integer({ min: 240, max: 255 })).map(([k, n]) => padded(k, n)) });
    return fc.array(key, { minLength: keys, maxLength: keys }).map((ks) => ({ bindings: bindings.map((ps) => ps.filter((p) => bytes(p) <= 255)).map((ps) => (ps.length ? ps : ['#'])), keys: ks.filter((k) => bytes(k) <= 255) }));
  });

describe('T18 routing correctness and name injection', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let broker: Broker;
  let checkouts = 0;
  const startedAt = Date.now();
  const seed = Number(process.env.T18_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const counts = { runs: 0, pairs: 0, attempted: 0, expectedCopies: 0, delivered: 0, lost: 0, unexpected: 0, duplicates: 0, unroutableMismatches: 0, rejected: 0, rejectedAfterSql: 0 };
  let catalog = { added: [] as string[], removed: [] as string[] };
  let sentinelRows = -1;

  beforeAll(async () => {
    db = await createTestDatabase('t18');
    pool = testPool(db.url, 4);
    pool.on('acquire', () => checkouts++);
    await pool.query(`CREATE TABLE t (v int); INSERT INTO t VALUES (1)`);
    broker = await Broker.connect({ pool, schema: 't18_broker' });
  });
  afterAll(async () => {
    await broker?.close();
    await pool?.end();
    await db?.drop();
  });

  it('delivers every message to exactly the queues the reference matcher names, one copy each', async () => {
    await fc.assert(
      fc.asyncProperty(world(sized(24, 40), sized(500, 1000)), async ({ bindings, keys }) => {
        const run = ++counts.runs;
        const queues = bindings.map((_, i) => `r${run}.q${i}`);
        for (const [i, queue] of queues.entries()) {
          await broker.declareQueue(queue, { deadLetterQueue: null });
          for (const p of bindings[i]) await broker.bindQueue(queue, p);
        }
        const ids = keys.map((_, i) => `r${run}-k${i}`);
        const result = await broker.publish(keys.map((routingKey, i) => ({ routingKey, payload: i, messageId: ids[i] })), { mandatory: 'report' });
        counts.attempted += keys.length;
        const routed = new Set<string>();
        let mismatches = 0;
        for (const [q, queue] of queues.entries()) {
          const got = (await broker.browse(queue, { limit: 10_000 })).map((d) => d.messageId);
          const want = new Set(ids.filter((_, i) => bindings[q].some((p) => referenceTopicMatch(p, keys[i]))));
          want.forEach((id) => routed.add(id));
          const gotSet = new Set(got);
          const lost = [...want].filter((id) => !gotSet.has(id)).length;
          const unexpected = [...gotSet].filter((id) => !want.has(id)).length;
          counts.pairs += keys.length;
          counts.expectedCopies += want.size;
          counts.delivered += got.length;
          counts.lost += lost;
          counts.unexpected += unexpected;
          counts.duplicates += got.length - gotSet.size;
          mismatches += lost + unexpected + got.length - gotSet.size;
          await broker.deleteQueue(queue);
        }
        const unroutableWanted = ids.filter((id) => !routed.has(id)).sort();
        const unroutableMismatch = JSON.stringify([...result.unroutable].sort()) !== JSON.stringify(unroutableWanted);
        if (unroutableMismatch) counts.unroutableMismatches++;
        return mismatches === 0 && !unroutableMismatch;
      }),
      { numRuns: sized(20, 60), seed, endOnFailure: true },
    );
    expect({ lost: counts.lost, unexpected: counts.unexpected, duplicates: counts.duplicates, unroutable: counts.unroutableMismatches }).toEqual({ lost: 0, unexpected: 0, duplicates: 0, unroutable: 0 });
    // The generator makes matches frequent; a property that routed nothing would prove nothing.
    expect(counts.expectedCopies).toBeGreaterThan(counts.attempted / 2);
  });

  it('refuses hostile queue, schema, key, pattern, message-id and header names with InvalidNameError before any SQL, and the schema is unchanged', async () => {
    const before = await catalogSnapshot(pool);
    const hostileQueues = [INJECTION, 'q"; DROP SCHEMA t18_broker CASCADE; --', "a'b", 'a b', 'a;b', '%', '_x', '-x', '.x', '\\', 'ü', 'q\0', '', 'x'.repeat(121), '$1', 'a/b', '*', '#'];
    const hostileSchemas = [INJECTION, 'Public', 'a-b', 'a b', 'x'.repeat(64), '1abc', '"x"', 'pg_catalog; --'];
    const inbox = Inbox.forPool(pool);
    const ops: [string, () => unknown][] = [];
    for (const n of hostileQueues) {
      ops.push(
        [`declareQueue ${n}`, () => broker.declareQueue(n)],
        [`declareQueue deadLetterQueue ${n}`, () => broker.declareQueue('t18.ok', { deadLetterQueue: n })],
        [`bindQueue ${n}`, () => broker.bindQueue(n, 'a')],
        [`unbindQueue ${n}`, () => broker.unbindQueue(n, 'a')],
        [`deleteQueue ${n}`, () => broker.deleteQueue(n)],
        [`getQueue ${n}`, () => broker.getQueue(n)],
        [`claim ${n}`, () => broker.claim(n)],
        [`consume ${n}`, () => broker.consume(n, () => undefined)],
        [`queueStats ${n}`, () => broker.queueStats(n)],
        [`browse ${n}`, () => broker.browse(n)],
        [`purge ${n}`, () => broker.purge(n)],
        [`publishToQueue ${n}`, () => broker.publishToQueue(n, { routingKey: 'a', payload: 1 })],
        [`redrive ${n}`, () => broker.redrive(n)],
        [`renewQueue ${n}`, () => broker.renewQueue(n, 60_000)],
        [`inbox consumer ${n}`, () => inbox.process({ messageId: 'm-1', consumer: n }, async () => undefined)],
      );
    }
    for (const s of hostileSchemas) {
      ops.push(
        [`Broker schema ${s}`, () => Broker.connect({ pool, schema: s })],
        [`Outbox schema ${s}`, () => new Outbox({ schema: s })],
        [`Inbox schema ${s}`, () => Inbox.forPool(pool, { schema: s })],
        [`OutboxRelay schema ${s}`, () => new OutboxRelay({ database: pool, schema: s, broker, listen: false })],
      );
    }
    const badKeys = ['k'.repeat(256), '€'.repeat(86), `a.${'ü'.repeat(127)}`, 'a\0b', 'a\ud800b'];
    for (const k of badKeys) {
      ops.push([`publish key ${k.slice(0, 20)}`, () => broker.publish({ routingKey: k, payload: 1 })], [`bind pattern ${k.slice(0, 20)}`, () => broker.bindQueue('t18.ok', `#.${k}`)]);
    }
    ops.push(
      ['publish message id with a space', () => broker.publish({ routingKey: 'a', payload: 1, messageId: "x'); DROP TABLE t; --" })],
      ['publish header name', () => broker.publish({ routingKey: 'a', payload: 1, headers: { [INJECTION]: 'v' } })],
      ['publish header NUL', () => broker.publish({ routingKey: 'a', payload: 1, headers: { h: 'a\0' } })],
    );
    const refusedWrongly: string[] = [];
    for (const [what, op] of ops) {
      const checkoutsBefore = checkouts;
      let error: unknown;
      try {
        await op();
      } catch (e) {
        error = e;
      }
      if (!(error instanceof InvalidNameError)) refusedWrongly.push(`${what}: ${String(error)}`);
      else counts.rejected++;
      if (checkouts !== checkoutsBefore) counts.rejectedAfterSql++;
    }
    expect(refusedWrongly).toEqual([]);
    expect(counts.rejectedAfterSql).toBe(0);

    // Valid values that look like SQL travel as bound parameters, verbatim.
    await broker.declareQueue('t18.drop--table:t', { deadLetterQueue: null });
    await broker.bindQueue('t18.drop--table:t', `${INJECTION}.#`);
    const hostileId = "x');DROP_TABLE_t;--";
    await broker.publish({ routingKey: `${INJECTION}.%_\\`, payload: { text: INJECTION }, messageId: hostileId, headers: { 'x-note': INJECTION } });
    const [copy] = await broker.browse('t18.drop--table:t');
    expect(copy).toMatchObject({ messageId: hostileId, routingKey: `${INJECTION}.%_\\`, payload: { text: INJECTION }, headers: { 'x-note': INJECTION } });
    await broker.deleteQueue('t18.drop--table:t');

    catalog = catalogDiff(before, await catalogSnapshot(pool));
    sentinelRows = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM t`)).rows[0].n;
    expect(catalog).toEqual({ added: [], removed: [] });
    expect(sentinelRows).toBe(1);
  });

  afterAll(() => {
    recordFaultReport({
      id: 'T18',
      title: 'Routing correctness and name injection',
      schedule: `fast-check property (seed ${seed}): ${counts.runs} worlds of random queues bound to 1-3 patterns of hostile words ('  ;  --  %  _  \\  unicode, keys up to 255 bytes), every key published once and every queue browsed; then ${counts.rejected} hostile names, keys, patterns and schemas against every public entry point`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      figures: {
        attempted: counts.attempted,
        acknowledged: counts.attempted,
        delivered: counts.delivered,
        lost: counts.lost,
        unexpected: counts.unexpected,
        duplicatedDeliveries: counts.duplicates,
        duplicateEffects: 0,
        recovered: 0,
        leaseOverlaps: 0,
        staleAcksAccepted: 0,
        faults: {},
        extra: {
          seed,
          patternKeyPairs: counts.pairs,
          expectedCopies: counts.expectedCopies,
          unroutableMismatches: counts.unroutableMismatches,
          rejectedNames: counts.rejected,
          rejectedAfterSql: counts.rejectedAfterSql,
          catalogObjectsAdded: catalog.added.length,
          catalogObjectsRemoved: catalog.removed.length,
          sentinelRows,
        },
      },
    });
  });
});
