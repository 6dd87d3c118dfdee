// Shared by the workload processes: their settings come from the environment.
import { join } from 'node:path';
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
