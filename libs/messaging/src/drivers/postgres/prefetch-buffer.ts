import type { Delivery } from '../../message.js';

/** A prefetched message starts only with this much of its lease left: 20% of it, at most a second. */
const startMargin = (leaseMs: number) => Math.min(1_000, leaseMs * 0.2);

/** A claimed message waiting for a handler slot, with its local deadline to start and the lease it was claimed with. */
interface Prefetched {
  delivery: Delivery;
  startBy: number;
  leaseMs: number;
}

/** A message that may start now, and the lease it was claimed with (what extendLease() extends by when given no ms). */
export interface Startable {
  delivery: Delivery;
  leaseMs: number;
}

/**
 * Messages claimed ahead of a free handler slot, in claim order. Each has a local deadline to start: claim start +
 * lease - margin, measured on this process's clock from before the claim was sent, so it errs early and ignores
 * clock skew with the server. A message past it may be claimed by another consumer any moment, so it is handed
 * back as stale rather than started (two handlers on one message).
 */
export class PrefetchBuffer {
  private readonly waiting: Prefetched[] = [];

  get size(): number {
    return this.waiting.length;
  }

  /** Adds a claimed batch; `claimStartedAt` is this process's clock (Date.now()) before the claim was sent. */
  add(deliveries: readonly Delivery[], claimStartedAt: number, leaseMs: number): void {
    const startBy = claimStartedAt + leaseMs - startMargin(leaseMs);
    for (const delivery of deliveries) this.waiting.push({ delivery, startBy, leaseMs });
  }

  /** Takes up to `slots` messages that may still start, oldest first, and the stale ones passed over on the way. */
  take(slots: number): { startable: Startable[]; stale: Delivery[] } {
    const startable: Startable[] = [];
    const stale: Delivery[] = [];
    while (startable.length < slots && this.waiting.length > 0) {
      const { delivery, startBy, leaseMs } = this.waiting.shift() as Prefetched;
      if (startBy - Date.now() < 0) stale.push(delivery);
      else startable.push({ delivery, leaseMs });
    }
    return { startable, stale };
  }

  /** Empties the buffer (on stop); returns the messages to give back. */
  drain(): Delivery[] {
    return this.waiting.splice(0).map((entry) => entry.delivery);
  }
}
