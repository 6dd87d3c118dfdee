import { PostgresFaultDriver } from './postgres-driver.js';

/**
 * The broker as the fault workloads and checkers see it: small enough that the same tests can run against another
 * broker (a RabbitMQ driver, issue 10) by implementing it. Times are server times (the broker's clock), epoch ms.
 */
export interface FaultQueue {
  name: string;
  /** Claims before a message is dead-lettered (a crashed attempt counts). */
  maxAttempts?: number;
  /** Lease (visibility timeout) of a claim, ms. */
  leaseMs?: number;
  /** Binding pattern (topic rules); default the queue name. */
  bindingPattern?: string;
  /** Dead-letter queue; default the broker's (`<name>.dlq` here), `null` for none. */
  deadLetterQueue?: string | null;
  /** First retry delay after a failed attempt, ms. */
  retryBaseMs?: number;
}

/** What a workload publishes: a unique value, optionally an ordering key and its position in that key. */
export interface FaultMessage {
  value: string;
  key?: string;
  seq?: number;
  /** Default: the broker chooses one. Given (the same id several times) to force duplicates. */
  messageId?: string;
}

/** One claimed message, under a lease. */
export interface FaultDelivery {
  messageId: string;
  /** The broker's id of this copy (copies forced to share a messageId differ here). */
  deliveryId: string;
  value: string;
  key?: string;
  seq?: number;
  attempt: number;
  leaseToken: string;
  /** Server time of the claim. */
  claimedAt: number;
  /** Server time the lease ends (updated by extend). */
  leaseExpiresAt: number;
  /** The driver's own delivery object, for settling. */
  readonly handle: unknown;
}

export interface QueueCounts {
  /** Visible now or waiting for a retry delay. */
  ready: number;
  /** Held under a lease (live or run out but not yet re-claimed). */
  leased: number;
  /** In the dead-letter queue. */
  dead: number;
}

export interface FaultDriver {
  readonly name: string;
  /** Declares the queue (and its dead-letter queue) and binds it. Idempotent for the same options. */
  setupQueue(queue: FaultQueue): Promise<void>;
  /** Publishes a batch through the routing (all or nothing); returns the message ids in order. */
  publish(routingKey: string, messages: readonly FaultMessage[]): Promise<string[]>;
  /** Publishes straight into one queue, bypassing the routing. */
  publishToQueue(queue: string, messages: readonly FaultMessage[]): Promise<string[]>;
  /** Claims up to `limit` messages under a lease of `leaseMs` (default the queue's). */
  claim(queue: string, options: { limit: number; leaseMs?: number }): Promise<FaultDelivery[]>;
  /** Whether the broker accepted the ack: false when the lease token is stale. Throws when it cannot tell. */
  ack(delivery: FaultDelivery): Promise<boolean>;
  /** Fails the attempt (retry later, or dead-letter on the last one); false when the lease token is stale. */
  nack(delivery: FaultDelivery, options?: { error?: string; delayMs?: number }): Promise<{ accepted: boolean; deadLettered: boolean }>;
  /** Extends the lease to now + ms; false when the lease token is stale. Updates delivery.leaseExpiresAt. */
  extend(delivery: FaultDelivery, ms: number): Promise<boolean>;
  counts(queue: string): Promise<QueueCounts>;
  /** The values in the queue's dead-letter queue, one entry per dead letter (duplicates kept). */
  deadLettered(queue: string): Promise<string[]>;
  /** Starts watching the broker's dead-letter alerts; `seen()` lists the message ids alerted so far, `seenAt()` when. */
  watchDeadLetterAlerts(): Promise<{ seen(): string[]; seenAt(): { messageId: string; at: number }[]; stop(): Promise<void> }>;
  close(): Promise<void>;
}

export interface FaultDriverOptions {
  /** The broker's address (a PostgreSQL URL for the postgres driver). */
  url: string;
  /** Namespace of the broker's objects (the PostgreSQL schema). */
  schema: string;
  /** Create the broker's objects if missing (the test process); child processes pass false. */
  migrate?: boolean;
  poolSize?: number;
}

/** Which driver: FAULT_DRIVER (`postgres`, the default). */
export function faultDriverName(): string {
  return process.env.FAULT_DRIVER ?? 'postgres';
}

/** Connects the driver FAULT_DRIVER names. */
export async function connectFaultDriver(options: FaultDriverOptions): Promise<FaultDriver> {
  const name = faultDriverName();
  if (name === 'postgres') {
    return PostgresFaultDriver.connect(options);
  }
  throw new Error(`FAULT_DRIVER=${name}: no such fault driver (known: postgres)`);
}

/** The payload the workloads publish: the value and its ordering key and position. */
export interface FaultPayload {
  value: string;
  key?: string;
  seq?: number;
}

export function toPayload(message: FaultMessage): FaultPayload {
  return { value: message.value, ...(message.key === undefined ? {} : { key: message.key }), ...(message.seq === undefined ? {} : { seq: message.seq }) };
}
