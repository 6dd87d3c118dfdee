import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext } from './context.js';

const run = promisify(execFile);
const PGBENCH = process.env.PGBENCH ?? 'pgbench';
const PAYLOAD = `'{"event":"order.created","orderId":42,"customer":"cust-000042","amount":99.95,"pad":"abcdefghijk"}'::jsonb`;

interface Script {
  key: string;
  file: string;
  label: string;
  /** Rows each transaction inserts or removes. */
  rowsPerTx: number;
  /** Rows to load first, per second of -T (dequeue scripts must not run dry). */
  fillPerSecond: number;
}

const SCRIPTS: Script[] = [
  { key: 'raw-insert', file: 'insert.sql', label: 'INSERT 1 row', rowsPerTx: 1, fillPerSecond: 0 },
  { key: 'raw-dequeue1', file: 'dequeue1.sql', label: 'DELETE … FOR UPDATE SKIP LOCKED LIMIT 1', rowsPerTx: 1, fillPerSecond: 40_000 },
  { key: 'raw-dequeue100', file: 'dequeue100.sql', label: 'DELETE … FOR UPDATE SKIP LOCKED LIMIT 100', rowsPerTx: 100, fillPerSecond: 350_000 },
];

/** The pgbench binary's version, or null when there is none on PATH (the raw ceiling is then skipped). */
export async function pgbenchVersion(): Promise<string | null> {
  try {
    return (await run(PGBENCH, ['--version'])).stdout.trim();
  } catch {
    return null;
  }
}

/**
 * Case 6: the raw ceiling of the same server, one statement per transaction, no library: a single-row INSERT and a
 * single-statement SKIP LOCKED dequeue of 1 and of 100 rows. The table is emptied and refilled before each run.
 */
export async function runPgbench(ctx: BenchContext): Promise<void> {
  const url = new URL(ctx.admin.url);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  const connection = ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username) || 'postgres'];
  const database = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  const { seconds, clients } = ctx.plan.pgbench;
  await ctx.admin.query('CREATE SCHEMA IF NOT EXISTS bench_raw');
  await ctx.admin.query('CREATE TABLE IF NOT EXISTS bench_raw.bq (id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz DEFAULT now())');
  for (const script of SCRIPTS) {
    for (const c of clients) {
      await ctx.admin.query('TRUNCATE bench_raw.bq');
      const fill = script.fillPerSecond * seconds;
      if (fill > 0) await ctx.admin.query(`INSERT INTO bench_raw.bq (payload) SELECT ${PAYLOAD} FROM generate_series(1, $1)`, [fill]);
      await ctx.admin.query('VACUUM ANALYZE bench_raw.bq');
      await ctx.admin.checkpoint();
      const args = [...connection, '-n', '-M', 'prepared', '-c', String(c), '-j', String(Math.min(c, 2)), '-T', String(seconds)];
      const { stdout } = await run(PGBENCH, [...args, '-f', fileURLToPath(new URL(`./pgbench/${script.file}`, import.meta.url)), database], { env });
      const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1]);
      const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1]);
      if (!Number.isFinite(tps)) throw new Error(`Could not read pgbench output:\n${stdout}`);
      const [{ left }] = await ctx.admin.query<{ left: number }>('SELECT count(*)::int AS left FROM bench_raw.bq');
      const ranDry = fill > 0 && left === 0;
      if (ranDry) ctx.log(`  warning: pgbench ${script.file} at ${c} clients emptied its table; its figure is a lower bound`);
      ctx.record({
        key: `${script.key}-c${c}`,
        name: `raw: ${script.label}, ${c} client${c > 1 ? 's' : ''}`,
        system: 'postgres',
        unit: 'rows/s',
        better: 'higher',
        value: tps * script.rowsPerTx,
        extra: { tps, latencyMs },
        ...(ranDry ? { note: 'ran out of rows: a lower bound' } : {}),
      });
    }
  }
  await ctx.admin.dropSchema('bench_raw');
}
