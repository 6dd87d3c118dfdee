import pg from 'pg';
import { repoDataDir, startRepoPostgres } from '../tools/embedded-postgres.js';

export interface BenchDatabase {
  url: string;
  /** 'embedded PostgreSQL (fresh cluster)' or 'DATABASE_URL'. */
  source: string;
  stop(): Promise<void>;
}

/** The server of the run: DATABASE_URL when set, else a freshly initialised embedded PostgreSQL. */
export async function startBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, source: 'DATABASE_URL', stop: async () => undefined };
  log('Starting an embedded PostgreSQL on a fresh cluster (.data/postgres-bench)');
  // Wiped at the start of every run, so each run starts from the same empty cluster.
  const server = await startRepoPostgres({ dataDir: repoDataDir('postgres-bench'), fresh: true });
  return { url: server.url, source: 'embedded PostgreSQL (fresh cluster)', stop: () => server.stop() };
}

/** The settings that decide what a throughput figure means; recorded with the results. */
const RECORDED_SETTINGS = ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'max_connections', 'max_wal_size', 'autovacuum'];

/** The orchestrator's own connections: resets schemas, checkpoints, analyzes, reads settings. */
export class AdminDb {
  private readonly pool: pg.Pool;

  constructor(readonly url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'bench-admin' });
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  /** Drops a schema and everything in it; each case starts from a freshly created one. */
  async dropSchema(schema: string): Promise<void> {
    await this.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }

  /** Flushes dirty pages before a timed phase, so a checkpoint left over from the setup does not land inside it. */
  async checkpoint(): Promise<void> {
    await this.query('CHECKPOINT');
  }

  /**
   * Fresh statistics after loading a backlog. Without them pg-boss's fetch plan degrades with the backlog (the
   * planner still sees the near-empty table it saw before the load), so every system gets the same ANALYZE before a drain.
   */
  async analyze(): Promise<void> {
    await this.query('ANALYZE');
  }

  async settings(): Promise<Record<string, string>> {
    const settings: Record<string, string> = {};
    for (const name of RECORDED_SETTINGS) settings[name] = (await this.query<Record<string, string>>(`SHOW ${name}`))[0][name];
    return settings;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
