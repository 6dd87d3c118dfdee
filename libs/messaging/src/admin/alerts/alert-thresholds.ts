import { InvalidArgumentError } from '../../errors.js';
import type { AdminDatabase } from '../admin-database.js';
import { bodyObject } from '../http/request-input.js';

/** Levels at which a queue raises an alert; an absent one is not checked. */
export interface AlertThresholds {
  /** Messages in the queue's dead-letter queue. */
  deadLetterDepth?: number;
  /** Messages published into the queue per second, over the last minute. */
  arrivalRatePerSecond?: number;
  /** Age of the oldest waiting message, in seconds. */
  oldestAgeSeconds?: number;
}

export type ThresholdName = keyof AlertThresholds;
export const THRESHOLD_NAMES: readonly ThresholdName[] = ['deadLetterDepth', 'arrivalRatePerSecond', 'oldestAgeSeconds'];

export interface StoredThresholds extends AlertThresholds {
  queue: string;
  /** The thresholds breached at the last check. */
  firing: ThresholdName[];
}

interface ThresholdRow {
  queue: string;
  dead_letter_depth: number | null;
  arrival_rate_per_second: number | null;
  oldest_age_seconds: number | null;
  firing: ThresholdName[];
}

const LIMITS: Record<ThresholdName, { max: number; integer: boolean }> = {
  deadLetterDepth: { max: 100_000_000, integer: true },
  arrivalRatePerSecond: { max: 1_000_000, integer: false },
  oldestAgeSeconds: { max: 365 * 86_400, integer: true },
};

/** A PUT body: each threshold a number (null or absent: not checked). */
export function parseThresholds(body: unknown): AlertThresholds {
  const fields = bodyObject(body, THRESHOLD_NAMES);
  const thresholds: AlertThresholds = {};
  for (const name of THRESHOLD_NAMES) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    const { max, integer } = LIMITS[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'a whole number' : 'a number'} from 0 to ${max}, or null`, { option: name, value });
    }
    thresholds[name] = value;
  }
  return thresholds;
}

function fromRow(row: ThresholdRow): StoredThresholds {
  const stored: StoredThresholds = { queue: row.queue, firing: row.firing };
  if (row.dead_letter_depth !== null) stored.deadLetterDepth = row.dead_letter_depth;
  if (row.arrival_rate_per_second !== null) stored.arrivalRatePerSecond = row.arrival_rate_per_second;
  if (row.oldest_age_seconds !== null) stored.oldestAgeSeconds = row.oldest_age_seconds;
  return stored;
}

/** The thresholds per queue, in the admin database. */
export class AlertThresholdStore {
  constructor(private readonly db: AdminDatabase) {}

  async get(queue: string): Promise<StoredThresholds> {
    const [row] = await this.db.query<ThresholdRow>(`SELECT * FROM ${this.db.schema}.alert_thresholds WHERE queue = $1`, [queue]);
    return row ? fromRow(row) : { queue, firing: [] };
  }

  async all(): Promise<StoredThresholds[]> {
    return (await this.db.query<ThresholdRow>(`SELECT * FROM ${this.db.schema}.alert_thresholds ORDER BY queue`)).map(fromRow);
  }

  /** Replaces a queue's thresholds; none left deletes the row. The firing state restarts (a new level, a new alert). */
  async put(queue: string, thresholds: AlertThresholds, actor: string): Promise<StoredThresholds> {
    if (Object.keys(thresholds).length === 0) {
      await this.db.query(`DELETE FROM ${this.db.schema}.alert_thresholds WHERE queue = $1`, [queue]);
      return { queue, firing: [] };
    }
    const [row] = await this.db.query<ThresholdRow>(
      `INSERT INTO ${this.db.schema}.alert_thresholds (queue, dead_letter_depth, arrival_rate_per_second, oldest_age_seconds, updated_by)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (queue) DO UPDATE SET dead_letter_depth = EXCLUDED.dead_letter_depth, arrival_rate_per_second = EXCLUDED.arrival_rate_per_second,
         oldest_age_seconds = EXCLUDED.oldest_age_seconds, updated_by = EXCLUDED.updated_by, updated_at = statement_timestamp(), firing = '{}'
       RETURNING *`,
      [queue, thresholds.deadLetterDepth ?? null, thresholds.arrivalRatePerSecond ?? null, thresholds.oldestAgeSeconds ?? null, actor],
    );
    return fromRow(row);
  }

  /**
   * Records what is breached now, if the row still shows `previous`: of several replicas checking at once, one
   * wins the change and alerts. Returns whether this call changed it.
   */
  async changeFiring(queue: string, previous: ThresholdName[], now: ThresholdName[]): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ${this.db.schema}.alert_thresholds SET firing = $3 WHERE queue = $1 AND firing = $2::text[] RETURNING queue`,
      [queue, previous, now],
    );
    return rows.length === 1;
  }
}
