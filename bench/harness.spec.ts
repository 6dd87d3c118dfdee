import pg from 'pg';
import { testDatabaseUrl, uniqueSchemaName } from '@app/messaging/testing';
import { drainBacklog } from './cases/drain.js';
import { runChild } from './child-runner.js';
import { ratio } from './format.js';
import { orderPayloads } from './payload.js';
import type { CaseResult } from './results.js';
import { createSystem } from './systems/index.js';
import { SYSTEM_NAMES, WORK_QUEUE } from './systems/system.js';
import { DeliveryTally, describeVerdict } from './tally.js';

describe('the correctness tally', () => {
  it('passes when every id is handled exactly once', () => {
    const tally = new DeliveryTally(3);
    [2, 0, 1].forEach((id) => tally.record(id));
    expect(describeVerdict(tally.verdict(), 'q')).toBeNull();
  });

  it('flags a duplicated id and a missing one', () => {
    const tally = new DeliveryTally(4);
    [0, 1, 1, 3].forEach((id) => tally.record(id));
    const verdict = tally.verdict();
    expect(verdict).toMatchObject({ handled: 4, duplicates: 1, missing: 1, unexpected: 0 });
    expect(verdict.examples).toMatchObject({ duplicates: [1], missing: [2] });
    expect(describeVerdict(verdict, 'q')).toBe('q: 4 handler calls for 4 messages: 1 duplicated (e.g. ids 1); 1 missing (e.g. ids 2)');
  });

  it('flags an id it did not expect', () => {
    const tally = new DeliveryTally(1);
    [0, 7].forEach((id) => tally.record(id));
    expect(tally.verdict()).toMatchObject({ unexpected: 1, examples: { unexpected: [7] } });
  });
});

describe('ratios', () => {
  const result = (system: string, better: 'higher' | 'lower', median: number): CaseResult => ({
    key: 'k', name: 'k', system, unit: 'x', better, median, min: median, max: median, runs: [median],
  });

  it('are above 1 when ours is better: ours/peer for throughput, peer/ours for latency', () => {
    expect(ratio(result('ours', 'higher', 300), result('pg-boss', 'higher', 100))).toBe(3);
    expect(ratio(result('ours', 'lower', 2), result('pg-boss', 'lower', 8))).toBe(4);
  });
});

describe('a tiny drain of each system', () => {
  const url = testDatabaseUrl();
  const admin = new pg.Client({ connectionString: url });
  const schemas: string[] = [];

  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it.each(SYSTEM_NAMES)('%s handles each of 300 messages once and settles them all', async (name) => {
    const schema = uniqueSchemaName(`bench_${name}`);
    schemas.push(schema);
    const system = createSystem(name, { url, schema, concurrency: 10, localQueue: 50 });
    try {
      await system.start();
      await system.install();
      await system.publishBatch(orderPayloads(0, 300));
      const outcome = await drainBacklog(system, { n: 300, queues: [WORK_QUEUE] }, admin);
      expect(outcome.deliveries).toBe(300);
      expect(outcome.verdicts.map((verdict) => describeVerdict(verdict, name))).toEqual([null]);
      expect((await admin.query(system.unsettledQuery([WORK_QUEUE]))).rows[0].n).toBe(0);
    } finally {
      await system.close();
    }
  });

  it('runs a case role in a child process and gets its result back', async () => {
    const schema = uniqueSchemaName('bench_child');
    schemas.push(schema);
    const outcome = await runChild({ role: 'publish-one', system: 'ours', url, schema, concurrency: 1, localQueue: 1, install: true, params: { n: 20 } });
    expect(outcome.messages).toBe(20);
    expect(outcome.seconds).toBeGreaterThan(0);
    const [{ n }] = (await admin.query(`SELECT count(*)::int AS n FROM "${schema}".messages`)).rows;
    expect(n).toBe(20);
  });
});
