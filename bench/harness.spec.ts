import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import { URL } from 'node:url';
import pg from 'pg';
import { testDatabaseUrl, uniqueSchemaName } from '@app/messaging/testing';
import { drainBacklog } from './cases/drain.js';
import { runChild } from './child-runner.js';
import { startCpuMeter } from './cpu.js';
import { cpuTable, driverTable, libraryTable, ratio } from './format.js';
import { orderPayloads } from './payload.js';
import type { BenchResults, CaseResult } from './results.js';
import { pidListeningOn, processCpuMs } from './server-process.js';
import { createSystem } from './systems/index.js';
import { BENCH_QUEUES } from './systems/ours.js';
import { rabbitMqUnavailable, removeRabbitMqState } from './systems/ours-rabbitmq.js';
import { SYSTEM_NAMES, WORK_QUEUE, type SystemName } from './systems/system.js';
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

const result = (system: string, better: 'higher' | 'lower', median: number, key = 'k', extra?: Record<string, number>): CaseResult => ({
  key, name: key, system, unit: 'x', better, median, min: median, max: median, runs: [median], ...(extra ? { extra } : {}),
});

const results = (cases: CaseResult[], skipped?: Record<string, string>): BenchResults => ({
  mode: 'quick', command: 'npm run bench', startedAt: '2026-12-03T00:00:00Z', durationSeconds: 1,
  machine: { cpus: 2, cpuModel: 'x', memoryGiB: 1, kernel: 'x', node: 'v24' }, versions: {}, postgres: { source: 'x', settings: {} },
  configurations: {}, cases, failures: [], ...(skipped ? { skipped } : {}),
});

describe('ratios', () => {
  it('are above 1 when ours is better: ours/peer for throughput, peer/ours for latency', () => {
    expect(ratio(result('ours', 'higher', 300), result('pg-boss', 'higher', 100))).toBe(3);
    expect(ratio(result('ours', 'lower', 2), result('pg-boss', 'lower', 8))).toBe(4);
  });
});

describe('the driver comparison', () => {
  const drains = [result('ours', 'higher', 60_000, 'drain-c10'), result('ours-rabbitmq', 'higher', 15_000, 'drain-c10'), result('pg-boss', 'higher', 6_000, 'drain-c10')];

  it('gives the RabbitMQ driver over the PostgreSQL driver, and leaves the libraries table to the PostgreSQL systems', () => {
    const text = driverTable(results(drains), 'markdown');
    expect(text).toContain('| drain-c10 | x | 60,000 | 15,000 | 0.25× |');
    expect(libraryTable(results(drains), 'markdown')).not.toContain('15,000');
  });

  it('says plainly why the RabbitMQ driver did not run', () => {
    expect(driverTable(results(drains.filter((c) => c.system !== 'ours-rabbitmq'), { 'ours-rabbitmq': 'RABBITMQ_URL is not set' }), 'text')).toBe(
      'The RabbitMQ driver did not run in this benchmark: RABBITMQ_URL is not set.',
    );
  });

  it("shows the RabbitMQ server's CPU per message in the RabbitMQ driver's column", () => {
    const cpu = [
      result('ours', 'higher', 1, 'drain-c10', { nodeCpuUsPerMsg: 7, hostCpuUsPerMsg: 20 }),
      result('ours-rabbitmq', 'higher', 1, 'drain-c10', { nodeCpuUsPerMsg: 9, hostCpuUsPerMsg: 60, serverCpuUsPerMsg: 45 }),
    ];
    expect(cpuTable(results(cpu), 'markdown')).toContain('| drain-c10 | 7.0 / 20.0 | – | – | 9.0 / 60.0 / 45.0 |');
  });

  it('needs RABBITMQ_URL for the RabbitMQ system', () => {
    const saved = process.env.RABBITMQ_URL;
    delete process.env.RABBITMQ_URL;
    try {
      expect(rabbitMqUnavailable()).toBe('RABBITMQ_URL is not set');
    } finally {
      if (saved !== undefined) process.env.RABBITMQ_URL = saved;
    }
  });
});

describe('server CPU', () => {
  it("finds the process listening on the database's port and reads its CPU time", () => {
    const { hostname, port } = new URL(testDatabaseUrl());
    if (hostname !== '127.0.0.1' && hostname !== 'localhost') return expect(pidListeningOn(Number(port))).toBeNull();
    const pid = pidListeningOn(Number(port || 5432));
    expect(pid).not.toBeNull();
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toMatch(/postgres/);
    expect(processCpuMs(pid!)).toBeGreaterThan(0);
  });

  it("counts this process's own CPU as the server's when given its pid", () => {
    const meter = startCpuMeter(process.pid);
    const before = process.cpuUsage();
    while (process.cpuUsage(before).user < 100_000); // 100 ms of CPU
    const use = meter();
    // /proc counts in 10 ms ticks, process.cpuUsage in µs: equal within a few ticks.
    expect(Math.abs(use.serverMs! - use.nodeMs)).toBeLessThanOrEqual(30);
    expect(startCpuMeter()().serverMs).toBeNull();
  });
});

const rabbitMqReason = rabbitMqUnavailable();
const systems: SystemName[] = SYSTEM_NAMES.filter((name) => name !== 'ours-rabbitmq' || rabbitMqReason === null);
const title = rabbitMqReason ? `a tiny drain of each system (the RabbitMQ driver's did not run: ${rabbitMqReason})` : 'a tiny drain of each system, the RabbitMQ driver included';

describe(title, () => {
  const url = testDatabaseUrl();
  const admin = new pg.Client({ connectionString: url });
  const schemas: string[] = [];
  const rabbitMqNamespaces: string[] = [];

  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    for (const namespace of rabbitMqNamespaces) await removeRabbitMqState(namespace, BENCH_QUEUES);
    await admin.end();
  });

  it.each(systems)('%s handles each of 300 messages once and settles them all', async (name) => {
    const schema = uniqueSchemaName(`bench_${name}`);
    (name === 'ours-rabbitmq' ? rabbitMqNamespaces : schemas).push(schema);
    const system = createSystem(name, { url, schema, concurrency: 10, localQueue: 50 });
    try {
      await system.start();
      await system.install();
      await system.publishBatch(orderPayloads(0, 300));
      expect(await system.unsettled([WORK_QUEUE])).toBe(300);
      const outcome = await drainBacklog(system, { n: 300, queues: [WORK_QUEUE] });
      expect(outcome.deliveries).toBe(300);
      expect(outcome.verdicts.map((verdict) => describeVerdict(verdict, name))).toEqual([null]);
      expect(await system.unsettled([WORK_QUEUE])).toBe(0);
      if (name === 'ours-rabbitmq') expect(outcome.cpu.serverMs).not.toBeNull();
    } finally {
      await system.close();
    }
  });

  if (rabbitMqReason === null) {
    it("removes the RabbitMQ driver's queues and exchanges, as the run does at its end", async () => {
      const namespace = uniqueSchemaName('bench_rmq_cleanup');
      rabbitMqNamespaces.push(namespace); // removed again after all, should this test fail
      const system = createSystem('ours-rabbitmq', { url, schema: namespace, concurrency: 1, localQueue: 1 });
      try {
        await system.start();
        await system.install();
      } finally {
        await system.close();
      }
      await removeRabbitMqState(namespace, BENCH_QUEUES);
      const connection = await amqp.connect(process.env.RABBITMQ_URL!);
      try {
        const left: string[] = [];
        const names = [...BENCH_QUEUES.flatMap((queue) => [`${namespace}.${queue}`, `${namespace}.${queue}.dlq`]), `${namespace}.dead-letter-events`];
        for (const name of names) {
          const channel = await connection.createChannel();
          channel.on('error', () => undefined); // a passive declare of a missing queue closes its channel
          if (await channel.checkQueue(name).then(() => true, () => false)) left.push(name);
        }
        expect(left).toEqual([]);
      } finally {
        await connection.close();
      }
    });
  }

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
