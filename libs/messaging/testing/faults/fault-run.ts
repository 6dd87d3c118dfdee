import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EffectRow } from './checkers/effects.js';
import { connectFaultDriver, type FaultDriver } from './driver.js';
import { readEffects, setupEffects } from './effects-store.js';
import type { HistoryEvent } from './history.js';
import { startPostgresFixture, type PostgresFixture } from './postgres-fixture.js';
import { HistoryRecorder, historyFiles, readHistory } from './recorder.js';
import { Supervisor } from './supervisor.js';

export interface FaultRun {
  pg: PostgresFixture;
  /** The test process's own driver (it set the queues up). */
  driver: FaultDriver;
  /** Broker schema, and the service schema of the consumers' inbox and effects. */
  schema: string;
  effectsSchema: string;
  /** Where every process writes its history. */
  historyDir: string;
  /** Processes started here get DATABASE_URL, SCHEMA and HISTORY_DIR. */
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

/** The setting of one fault test: its own PostgreSQL, a driver, the inbox and effects schema, a supervisor. */
export async function startFaultRun(label: string, options: { pgSettings?: Record<string, string> } = {}): Promise<FaultRun> {
  const historyDir = mkdtempSync(join(tmpdir(), `pgm-history-${label}-`));
  const pg = await startPostgresFixture({ label, settings: options.pgSettings });
  const schema = 'broker';
  const effectsSchema = 'svc';
  const driver = await connectFaultDriver({ url: pg.url, schema });
  await setupEffects(pg.url, effectsSchema);
  const sup = new Supervisor({ DATABASE_URL: pg.url, SCHEMA: schema, HISTORY_DIR: historyDir });
  return {
    pg,
    driver,
    schema,
    effectsSchema,
    historyDir,
    sup,
    recorder: (process) => new HistoryRecorder(join(historyDir, `${process}.jsonl`), process),
    history: () => readHistory(historyFiles(historyDir)),
    effects: () => readEffects(pg.url, effectsSchema),
    close: async () => {
      await sup.stopAll();
      await driver.close().catch(() => undefined);
      await pg.cleanStop();
      if (!process.env.KEEP_FAULT_HISTORY) rmSync(historyDir, { recursive: true, force: true });
    },
  };
}
