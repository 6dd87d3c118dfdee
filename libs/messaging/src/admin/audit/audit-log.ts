import type { BrokerLogger } from '../../core/logger.js';
import { InvalidArgumentError } from '../../errors.js';
import type { AdminDatabase } from '../admin-database.js';
import type { AdminActor } from '../auth/admin-tokens.js';

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  queue: string | null;
  count: number | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

type AuditRow = AuditEntry & { id: string };

/** Who did what to which queue, how many, when: one row per action taken, and one log line. */
export class AuditLog {
  constructor(
    private readonly db: AdminDatabase,
    private readonly logger: BrokerLogger,
  ) {}

  async record(actor: AdminActor, action: string, entry: { queue?: string | null; count?: number | null; details?: Record<string, unknown> } = {}): Promise<void> {
    const { queue = null, count = null, details = {} } = entry;
    await this.db.query(`INSERT INTO ${this.db.schema}.audit (actor, action, queue, count, details) VALUES ($1, $2, $3, $4, $5)`, [actor.name, action, queue, count, details]);
    this.logger.log(`Admin ${actor.name}: ${action}${queue ? ` ${queue}` : ''}${count === null ? '' : ` (${count})`}`, { event: 'admin_audit', actor: actor.name, action, queue, count, details });
  }

  /** Newest first; `cursor` is the previous page's nextCursor. */
  async list(limit: number, cursor?: string): Promise<AuditPage> {
    if (cursor !== undefined && !/^\d{1,18}$/.test(cursor)) throw new InvalidArgumentError('cursor is not one this API gave', { cursor });
    const rows = await this.db.query<AuditRow>(
      `SELECT id, at, actor, action, queue, count, details FROM ${this.db.schema}.audit
        WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2`,
      [cursor ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      entries: page.map(({ id: _id, ...entry }) => entry),
      nextCursor: rows.length > limit ? page[page.length - 1].id : null,
    };
  }
}
