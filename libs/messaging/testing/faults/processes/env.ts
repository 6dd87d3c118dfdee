// Shared by the workload processes: their settings come from the environment.
import { join } from 'node:path';
import { connectFaultDriver, type FaultDriver, type FaultQueue } from '../driver.js';
import { HistoryRecorder } from '../recorder.js';

export function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

export const numberEnv = (name: string, fallback: number): number => Number(env(name, String(fallback)));

/** This process's recorder: HISTORY_DIR/<PROCESS_NAME>.jsonl, appended to across restarts. */
export function recorder(): HistoryRecorder {
  const name = env('PROCESS_NAME');
  return new HistoryRecorder(join(env('HISTORY_DIR'), `${name}.jsonl`), name);
}

/** A JSON line on stdout, for the test (TsProcess events). */
export const report = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Error text for the history (code first: pg and Node errors carry one). */
export function describe(error: unknown): string {
  const e = error as { code?: string; message?: string } | null;
  return `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(error)}`.slice(0, 300);
}

/**
 * This process's fault driver: FAULT_DRIVER's broker at BROKER_URL (default DATABASE_URL, where the postgres broker
 * and the effects share one server), namespace SCHEMA. The queues in FAULT_QUEUES (JSON FaultQueue[]) are declared
 * again with the test's options: a RabbitMQ broker cannot read them back (FaultRun sets it).
 */
export async function workloadDriver(poolSize: number): Promise<FaultDriver> {
  const driver = await connectFaultDriver({ url: env('BROKER_URL', process.env.DATABASE_URL), schema: env('SCHEMA'), migrate: false, poolSize });
  for (const queue of JSON.parse(process.env.FAULT_QUEUES ?? '[]') as FaultQueue[]) await driver.setupQueue(queue);
  return driver;
}
