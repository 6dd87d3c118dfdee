import { PostgresFaultDriver } from './postgres-driver.js';
import { RabbitMqFaultDriver } from './rabbitmq-driver.js';

/**
 * The broker as the fault workloads and checkers see it: small enough that the same tests run against either broker
 * (postgres-driver.ts, rabbitmq-driver.ts). Times are the broker's clock where it gives one (PostgreSQL), else the
 * clock of the process that claimed (RabbitMQ), epoch ms.
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
  /** Server time the lease ends (updated by extend); HELD_UNTIL_SETTLED where no lease runs out (RabbitMQ). */
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

export { HELD_UNTIL_SETTLED } from './history.js';

/** What watchDeadLetterAlerts returns: the message ids alerted so far, and when each was seen. */
export interface DeadLetterWatch {
  seen(): string[];
  seenAt(): { messageId: string; at: number }[];
  stop(): Promise<void>;
}

/** The broker's capabilities the fault tests depend on (the library's BrokerCapabilities of the same names). */
export interface FaultDriverCapabilities {
  /** extend() works; without it extend() throws CapabilityNotSupportedError and heartbeat tests do not run. */
  leaseExtension: boolean;
  /** A claim's lease runs out by itself; without it a delivery is held until settled or its connection closes. */
  leaseExpiry: boolean;
}

export interface FaultDriver {
  readonly name: FaultDriverName;
  readonly capabilities: FaultDriverCapabilities;
  /** How long a message held by another process can take to show in counts() (0: at once). drainQueue waits it out. */
  readonly countsLagMs: number;
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
  /**
   * Extends the lease to now + ms; false when the lease token is stale. Updates delivery.leaseExpiresAt. Throws
   * CapabilityNotSupportedError where capabilities.leaseExtension is false.
   */
  extend(delivery: FaultDelivery, ms: number): Promise<boolean>;
  counts(queue: string): Promise<QueueCounts>;
  /** The values in the queue's dead-letter queue, one entry per dead letter (duplicates kept). */
  deadLettered(queue: string): Promise<string[]>;
  /** Starts watching the broker's dead-letter alerts; `seen()` lists the message ids alerted so far, `seenAt()` when. */
  watchDeadLetterAlerts(): Promise<DeadLetterWatch>;
  close(): Promise<void>;
}

export type FaultDriverName = 'postgres' | 'rabbitmq';
export const FAULT_DRIVERS: readonly FaultDriverName[] = ['postgres', 'rabbitmq'];

export interface FaultDriverOptions {
  /** Which broker; default FAULT_DRIVER (faultDriverName()). */
  driver?: FaultDriverName;
  /** The broker's address: a PostgreSQL URL (postgres), an AMQP URL with its vhost (rabbitmq). */
  url: string;
  /** Namespace of the broker's objects: the PostgreSQL schema (postgres), the exchange (rabbitmq). */
  schema: string;
  /** Create the broker's objects if missing (the test process); child processes pass false. */
  migrate?: boolean;
  poolSize?: number;
}

/** Which driver: FAULT_DRIVER (`postgres`, the default, or `rabbitmq`). */
export function faultDriverName(): FaultDriverName {
  const name = process.env.FAULT_DRIVER ?? 'postgres';
  if (!(FAULT_DRIVERS as readonly string[]).includes(name)) throw new Error(`FAULT_DRIVER=${name}: no such fault driver (known: ${FAULT_DRIVERS.join(', ')})`);
  return name as FaultDriverName;
}

/** Connects the driver options.driver names, else FAULT_DRIVER's. */
export async function connectFaultDriver(options: FaultDriverOptions): Promise<FaultDriver> {
  const name = options.driver ?? faultDriverName();
  return name === 'rabbitmq' ? RabbitMqFaultDriver.connect(options) : PostgresFaultDriver.connect(options);
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
