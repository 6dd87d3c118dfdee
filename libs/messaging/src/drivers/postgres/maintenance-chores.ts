import type { MaintenanceChore } from '../../driver/message-broker.js';

/** The chores' intervals when not given (Housekeeping passes its own HOUSEKEEPING_DEFAULTS). */
export const POSTGRES_CHORE_INTERVALS = { deduplicationPurgeIntervalMs: 60_000, expiredQueueSweepIntervalMs: 60_000, activityPruneIntervalMs: 10 * 60_000 } as const;

/** Activity buckets are kept this long (activity() reads at most a day back). */
const ACTIVITY_KEPT_MS = 25 * 60 * 60 * 1000;

/** What the chores run on the broker. */
export interface ChoreHost {
  purgeExpiredDeduplication(options: { limit?: number }): Promise<number>;
  deleteExpiredQueues(): Promise<string[]>;
  pruneActivity(keepMs: number, limit: number): Promise<number>;
}

/**
 * PostgreSQL deletes nothing on its own: message ids past their deduplication window and queues past their expiry
 * (the lapsed reply queues of crashed clients) are rows someone must delete, and so are old activity counts.
 */
export function postgresMaintenanceChores(
  broker: ChoreHost,
  options: { deduplicationPurgeIntervalMs?: number; expiredQueueSweepIntervalMs?: number } = {},
): MaintenanceChore[] {
  return [
    {
      name: 'Deduplication purge',
      intervalMs: options.deduplicationPurgeIntervalMs ?? POSTGRES_CHORE_INTERVALS.deduplicationPurgeIntervalMs,
      run: (limit) => broker.purgeExpiredDeduplication({ limit }),
    },
    {
      name: 'Expired queue sweep',
      intervalMs: options.expiredQueueSweepIntervalMs ?? POSTGRES_CHORE_INTERVALS.expiredQueueSweepIntervalMs,
      run: async () => (await broker.deleteExpiredQueues()).length,
    },
    {
      name: 'Activity pruning',
      intervalMs: POSTGRES_CHORE_INTERVALS.activityPruneIntervalMs,
      run: (limit) => broker.pruneActivity(ACTIVITY_KEPT_MS, limit),
    },
  ];
}
