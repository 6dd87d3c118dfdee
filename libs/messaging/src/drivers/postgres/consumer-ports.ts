import type { HandledMessage } from '../../driver/broker-types.js';
import type { BrokerLogger } from '../../core/logger.js';
import type { Delivery } from '../../message.js';
import type { Settler } from './settler.js';

export interface ClaimedBatch {
  deliveries: Delivery[];
  /** The visible-at time (epoch ms, rounded down) of the last row claimed: where a next claim may start. */
  cursorMs: number | null;
  /** The lease the claim took, in ms. */
  leaseMs: number;
}

/** How the consumer reaches the database: claiming, settling, and the wake-up subscription. */
export interface ConsumerPorts {
  claim(queue: string, limit: number, leaseMs: number | undefined, afterMs: number | null): Promise<ClaimedBatch>;
  settler: Settler;
  subscribe(queue: string, wakeUp: () => void): Promise<() => void>;
  logger: BrokerLogger;
  /** Told of every handled message (metrics). */
  handled?(message: HandledMessage): void;
}
