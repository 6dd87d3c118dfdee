// What the cluster failover test needs of a client, and nothing more: the RabbitMQ driver implements it
// (driver-cluster-client.ts). Resending until confirmed is the test's part (cluster-failover.spec.ts), as an
// application's outbox relay would do it: the driver only says whether a node confirmed.

/** A delivery as the test records it. */
export interface ConsumedMessage {
  id: string;
  /** Delivered before (the driver's attempt > 1, from RabbitMQ's delivery count). */
  redelivered: boolean;
}

export interface ClusterClientOptions {
  /** Every node's AMQP URL; the client starts on the first and moves on to the next when it loses a node. */
  urls: readonly string[];
  queue: string;
}

export interface ClusterClient {
  /** Declares the durable quorum queue (its members: every node of the cluster). */
  declareQueue(): Promise<void>;
  /** Publishes `id` once; resolves when a node confirmed it, throws when it did not (nack, timeout, lost node). */
  publish(id: string): Promise<void>;
  /** Calls `onMessage` for each delivery and acks it after; resolves once consuming has started. */
  consume(onMessage: (message: ConsumedMessage) => void): Promise<void>;
  /** For the figures, where the client can tell: the node URL each of its connections went to, in order. */
  readonly connections?: { publisher: readonly string[]; consumer: readonly string[] };
  close(): Promise<void>;
}
