import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EffectRow } from './checkers/effects.js';
import pg from 'pg';
import { createTestVhost, type TestVhost } from '../rabbitmq-vhost.js';
import { testDatabaseUrl, uniqueSchemaName } from '../test-database.js';
import { connectFaultDriver, faultDriverName, type FaultDriver, type FaultDriverName, type FaultQueue } from './driver.js';
import { readEffects, setupEffects } from './effects-store.js';
import type { HistoryEvent } from './history.js';
import { startPostgresFixture, type PostgresFixture } from './postgres-fixture.js';
import { HistoryRecorder, historyFiles, readHistory } from './recorder.js';
import { Supervisor } from './supervisor.js';

export interface FaultRun {
  /** The run's own PostgreSQL, broker and effects (postgres runs; a RabbitMQ run has none and throws here). */
  pg: PostgresFixture;
  /** The database of the consumers' inbox and effects: the run's own (postgres), else DATABASE_URL's. */
  effectsUrl: string;
  /** The test process's own driver (it set the queues up). */
  driver: FaultDriver;
  /** The vhost of a run on RabbitMQ (RABBITMQ_URL's server), dropped at close. */
  vhost?: TestVhost;
  /** Declares a queue, here and in every workload process started from now on (FAULT_QUEUES). */
  setupQueue(queue: FaultQueue): Promise<void>;
  /** Broker schema, and the service schema of the consumers' inbox and effects. */
  schema: string;
  effectsSchema: string;
  /** Where every process writes its history. */
  historyDir: string;
  /** Processes started here get DATABASE_URL (effects), FAULT_DRIVER, BROKER_URL, SCHEMA, FAULT_QUEUES and HISTORY_DIR. */
  sup: Supervisor;
  /** A recorder for what the test process itself does (e.g. publishing forced duplicates). */
  recorder(process: string): HistoryRecorder;
  /** Every process's history so far, merged. */
  history(): HistoryEvent[];
  /** The effects committed, oldest first, with who wrote them and at which attempt. */
  effects(): Promise<(EffectRow & { process: string; attempt: number })[]>;
  /** Stops every process, the driver and the server, and deletes the folders. */
  close(): Promise<void>;
}

/**
 * The setting of one fault test: a driver (options.driver, default FAULT_DRIVER), the inbox and effects schema, a
 * supervisor. On PostgreSQL the run gets a PostgreSQL of its own (crash tests need one) holding both; on RabbitMQ a
 * fresh vhost of RABBITMQ_URL's server (the exchange named `schema`) and a fresh effects schema on DATABASE_URL.
 */
export async function startFaultRun(label: string, options: { pgSettings?: Record<string, string>; driver?: FaultDriverName } = {}): Promise<FaultRun> {
  const driverName = options.driver ?? faultDriverName();
  const historyDir = mkdtempSync(join(tmpdir(), `pgm-history-${label}-`));
  const [fixture, vhost] = driverName === 'rabbitmq' ? [undefined, await createTestVhost(`fault-${label}`)] : [await startPostgresFixture({ label, settings: options.pgSettings }), undefined];
  const brokerUrl = vhost?.url ?? fixture!.url;
  const effectsUrl = fixture?.url ?? testDatabaseUrl();
  const schema = 'broker';
  const effectsSchema = fixture ? 'svc' : uniqueSchemaName(`${label}_svc`);
  const driver = await connectFaultDriver({ driver: driverName, url: brokerUrl, schema });
  await setupEffects(effectsUrl, effectsSchema);
  const sup = new Supervisor({ DATABASE_URL: effectsUrl, FAULT_DRIVER: driverName, BROKER_URL: brokerUrl, SCHEMA: schema, HISTORY_DIR: historyDir });
  const queues: FaultQueue[] = [];
  return {
    get pg(): PostgresFixture {
      if (!fixture) throw new Error('A fault run on RabbitMQ has no PostgreSQL of its own (effectsUrl is the shared one)');
      return fixture;
    },
    effectsUrl,
    driver,
    ...(vhost ? { vhost } : {}),
    setupQueue: async (queue) => {
      await driver.setupQueue(queue);
      queues.push(queue);
      if (vhost) sup.setEnv('FAULT_QUEUES', JSON.stringify(queues)); // PostgreSQL keeps the options itself
    },
    schema,
    effectsSchema,
    historyDir,
    sup,
    recorder: (process) => new HistoryRecorder(join(historyDir, `${process}.jsonl`), process),
    history: () => readHistory(historyFiles(historyDir)),
    effects: () => readEffects(effectsUrl, effectsSchema),
    close: async () => {
      await sup.stopAll();
      await driver.close().catch(() => undefined);
      await fixture?.cleanStop();
      await vhost?.drop().catch(() => undefined);
      if (!fixture) await dropSchema(effectsUrl, effectsSchema);
      if (!process.env.KEEP_FAULT_HISTORY) rmSync(historyDir, { recursive: true, force: true });
    },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
