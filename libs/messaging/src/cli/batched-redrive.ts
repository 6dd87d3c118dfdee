// A redrive in batches, so a long one shows progress and can be bounded: each batch is one broker.redrive call.
import type { RedriveOptions } from '../driver/broker-types.js';
import type { MessageBroker } from '../driver/message-broker.js';
import type { Progress } from './progress.js';

/** Dead letters one call moves when no rate is given: the drivers' own statement batch. */
const BATCH = 100;

export interface BatchedRedrive {
  deadLetterQueue: string;
  /** What to move and where: the broker's redrive options without limit and rate. */
  select: Omit<RedriveOptions, 'limit' | 'ratePerSecond'>;
  /**
   * Most to move. The caller passes what it counted before starting (or --limit): a consumer that fails everything
   * sends redriven messages straight back to the dead-letter queue, and chasing them would never end.
   */
  cap: number;
  ratePerSecond?: number;
}

/** Moves up to `cap` dead letters, a batch per call (one second's worth at a rate), reporting each batch. */
export async function redriveInBatches(broker: MessageBroker, job: BatchedRedrive, progress: Progress): Promise<number> {
  const batch = job.ratePerSecond ?? BATCH;
  let moved = 0;
  while (moved < job.cap) {
    const limit = Math.min(batch, job.cap - moved);
    const options = { ...job.select, limit, ...(job.ratePerSecond !== undefined ? { ratePerSecond: job.ratePerSecond } : {}) } as RedriveOptions;
    const n = await broker.redrive(job.deadLetterQueue, options);
    moved += n;
    progress.update(moved);
    if (n === 0) break; // nothing left that can move (on RabbitMQ: dead letters whose origin is gone stay)
  }
  return moved;
}
