/**
 * A Jepsen-style history of client operations (docs/reliability.md): every publish, delivery, settlement and
 * effect is an `invoke` followed by `ok` (it happened), `fail` (it definitely did not) or `info` (unknown: a timeout,
 * a connection lost during COMMIT). Processes append events as JSON lines to their own file; the test merges them.
 */
export type OpOutcome = 'invoke' | 'ok' | 'fail' | 'info';

export type OpName = 'publish' | 'deliver' | 'ack' | 'nack' | 'extend' | 'effect' | 'dead-letter';

export interface HistoryEvent {
  type: OpOutcome;
  f: OpName;
  /** Who did it, e.g. `publisher-1`, `consumer-3` (a restarted process keeps its name). */
  process: string;
  /** The unique value carried in the payload, `<process>-<counter>`: what the checkers count. */
  value: string;
  /** Wall-clock ms of this event in the recording process. */
  time: number;
  messageId?: string;
  /**
   * The broker's identity of this copy of the message, when it has one (the row id here): copies published with the
   * same messageId on purpose (T15) are different deliveries. The lease checker keys by it, else by messageId.
   */
  deliveryId?: string;
  /** Ordering key (for per-key order checks). */
  key?: string;
  /** Position of the value within its key (0, 1, 2 …) as published. */
  seq?: number;
  leaseToken?: string;
  attempt?: number;
  /** Server (database or broker) time of the claim, ms. */
  claimedAt?: number;
  /** Server time the lease ends, ms. */
  leaseExpiresAt?: number;
  error?: string;
}

/**
 * The lease end of a delivery no lease ends (RabbitMQ): it is held until it is settled or its holder's connection
 * closes. The lease checker ends such a hold at its process's exit (Supervisor.ends).
 */
export const HELD_UNTIL_SETTLED = Number.MAX_SAFE_INTEGER;
