import type { FaultDriver } from './driver.js';

export interface DrainResult {
  /** Wall-clock ms of the first of the K empty polls: when the backlog was gone. */
  drainedAt: number;
  polls: number;
}

/**
 * The drain phase every fault run ends with (docs/reliability.md), after the faults healed: waits until the queue
 * reads empty (nothing ready, nothing leased) `consecutiveEmpty` polls in a row while the consumers keep running.
 * Poll errors (the broker coming back) count as not empty. Throws after timeoutMs with the last counts. The empty
 * polls must also span the driver's countsLagMs: on RabbitMQ a message another process holds shows in counts() only
 * with the server's next statistics (rabbitmq-driver.ts), and an empty poll there takes ~1 s, so 2 polls are the
 * default there.
 */
export async function drainQueue(
  driver: FaultDriver,
  queue: string,
  { consecutiveEmpty = driver.name === 'rabbitmq' ? 2 : 5, intervalMs = 200, timeoutMs = 120_000 }: { consecutiveEmpty?: number; intervalMs?: number; timeoutMs?: number } = {},
): Promise<DrainResult> {
  const deadline = Date.now() + timeoutMs;
  let empty = 0;
  let firstEmptyAt = 0;
  let polls = 0;
  let last = 'no poll answered';
  for (;;) {
    polls++;
    try {
      const counts = await driver.counts(queue);
      last = JSON.stringify(counts);
      if (counts.ready + counts.leased === 0) {
        if (empty === 0) firstEmptyAt = Date.now();
        if (++empty >= consecutiveEmpty && Date.now() - firstEmptyAt >= driver.countsLagMs) return { drainedAt: firstEmptyAt, polls };
      } else empty = 0;
    } catch (error) {
      empty = 0;
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`Queue ${queue} did not drain within ${timeoutMs} ms; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
