import { randomUUID } from 'node:crypto';
import { BackgroundLoop } from '../../core/background-loop.js';
import { errorSummary } from '../../core/error-text.js';
import type { BrokerLogger } from '../../core/logger.js';
import { InvalidArgumentError } from '../../errors.js';
import type { AdminDatabase } from '../admin-database.js';
import type { AdminActor } from '../auth/admin-tokens.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AdminBroker } from '../broker-administration.js';
import { countSelected } from './redrive-count.js';
import type { RedriveRequest } from './redrive-request.js';

export interface RedriveJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  from: string;
  to: string | null;
  total: number;
  moved: number;
  ratePerSecond: number | null;
  actor: string;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

interface JobRow {
  id: string;
  state: RedriveJob['state'];
  from_queue: string;
  to_queue: string | null;
  message_ids: string[] | null;
  filter: RedriveRequest['filter'] | null;
  rate_per_second: number | null;
  max_count: number | null;
  total: number;
  moved: number;
  actor: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

/** Most dead letters moved per broker call: progress is written after each. */
const BATCH = 100;

const toJob = (row: JobRow): RedriveJob => ({
  id: row.id,
  state: row.state,
  from: row.from_queue,
  to: row.to_queue,
  total: row.total,
  moved: row.moved,
  ratePerSecond: row.rate_per_second,
  actor: row.actor,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  error: row.error,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Redrives as background jobs: a row per job in the admin database holds its request and progress, updated after
 * every batch, so progress can be read from any replica and a job whose process died is resumed by another.
 */
export class RedriveJobs {
  private readonly running = new Map<string, Promise<void>>();
  private readonly adopter: BackgroundLoop;
  private stopping = false;

  constructor(
    private readonly broker: AdminBroker,
    private readonly db: AdminDatabase,
    private readonly audit: AuditLog,
    private readonly logger: BrokerLogger,
    /** A running job whose process has not written progress for this long is taken over (by another replica, or the next boot). */
    private readonly takeoverAfterMs: number,
  ) {
    this.adopter = new BackgroundLoop({ name: 'Admin redrive adopter', intervalMs: Math.ceil(takeoverAfterMs / 2), round: () => this.adoptStale().then(() => false), logger });
  }

  start(): this {
    this.stopping = false;
    this.adopter.start();
    return this;
  }

  /** Stops after each job's batch in progress; the jobs stay 'running' and are resumed after a restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.adopter.stop();
    await Promise.all(this.running.values());
  }

  /** Checks the queues, counts what the job will move, records it (and audits), and starts it; returns the job. */
  async begin(actor: AdminActor, request: RedriveRequest): Promise<RedriveJob> {
    await this.broker.getQueue(request.from);
    if (request.to !== undefined) await this.broker.getQueue(request.to);
    const selected = await countSelected(this.broker, request);
    const total = Math.min(selected, request.limit ?? selected);
    const [row] = await this.db.query<JobRow>(
      `INSERT INTO ${this.db.schema}.redrive_jobs (id, state, from_queue, to_queue, message_ids, filter, rate_per_second, max_count, total, actor)
       VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [randomUUID(), request.from, request.to ?? null, request.messageIds ?? null, request.filter ?? null, request.ratePerSecond ?? null, request.limit ?? null, total, actor.name],
    );
    await this.audit.record(actor, 'redrive', { queue: request.from, count: total, details: { job: row.id, to: request.to ?? null, messageIds: request.messageIds?.length ?? null, filter: request.filter ?? null, ratePerSecond: request.ratePerSecond ?? null, limit: request.limit ?? null } });
    this.run(row);
    return toJob(row);
  }

  async get(id: string): Promise<RedriveJob | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new InvalidArgumentError('A redrive job id is a UUID', { id });
    const [row] = await this.db.query<JobRow>(`SELECT * FROM ${this.db.schema}.redrive_jobs WHERE id = $1`, [id]);
    return row ? toJob(row) : null;
  }

  /** Takes over running jobs nobody has advanced for a while (their process died). */
  private async adoptStale(): Promise<void> {
    const rows = await this.db.query<JobRow>(
      `UPDATE ${this.db.schema}.redrive_jobs SET heartbeat_at = statement_timestamp()
        WHERE state = 'running' AND heartbeat_at < statement_timestamp() - make_interval(secs => $1) RETURNING *`,
      [this.takeoverAfterMs / 1000],
    );
    for (const row of rows) if (!this.running.has(row.id)) this.run(row);
  }

  private run(row: JobRow): void {
    const work = this.advance(row)
      .catch((error: unknown) => this.finish(row.id, 'failed', errorSummary(error)))
      .catch((error: unknown) => this.logger.error(`Redrive job ${row.id} could not record its end`, error))
      .finally(() => this.running.delete(row.id));
    this.running.set(row.id, work);
  }

  private async advance(row: JobRow): Promise<void> {
    const rate = row.rate_per_second;
    const batchSize = Math.min(BATCH, rate ?? BATCH);
    let moved = row.moved;
    let idsLeft = row.message_ids;
    const goal = row.max_count ?? Number.MAX_SAFE_INTEGER;
    while (!this.stopping && moved < goal) {
      const began = Date.now();
      const size = Math.min(batchSize, goal - moved);
      const options = { ...(row.to_queue ? { to: row.to_queue } : {}), ...(row.filter ? { filter: row.filter } : {}) };
      let n: number;
      if (idsLeft) {
        if (idsLeft.length === 0) break;
        const batch = idsLeft.slice(0, size);
        idsLeft = idsLeft.slice(size);
        n = await this.broker.redrive(row.from_queue, { ...options, messageIds: batch });
      } else {
        n = await this.broker.redrive(row.from_queue, { ...options, limit: size });
        if (n === 0) break;
      }
      moved += n;
      await this.progress(row.id, moved, idsLeft);
      if (rate) await sleep(Math.max(0, (n / rate) * 1000 - (Date.now() - began)));
    }
    if (!this.stopping) await this.finish(row.id, 'done', null);
  }

  /** Writes progress (and the ids still to move) if the job is still running. */
  private async progress(id: string, moved: number, idsLeft: string[] | null): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.schema}.redrive_jobs SET moved = $2, message_ids = $3, heartbeat_at = statement_timestamp() WHERE id = $1 AND state = 'running'`,
      [id, moved, idsLeft],
    );
  }

  private async finish(id: string, state: 'done' | 'failed', error: string | null): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.schema}.redrive_jobs SET state = $2, error = $3, finished_at = statement_timestamp() WHERE id = $1 AND state = 'running'`,
      [id, state, error],
    );
    if (error) this.logger.error(`Redrive job ${id} failed: ${error}`, { event: 'admin_redrive_failed', job: id });
  }
}
