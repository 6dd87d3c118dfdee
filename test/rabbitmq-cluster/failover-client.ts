// The client side of the cluster failover test, on amqplib directly: a publisher with confirms and a consumer with
// manual acks, each on its own connection, reconnecting to the next node URL when the connection closes. The test
// sees only `ClusterClient` (publish an id until confirmed, consume ids), so the RabbitMQ driver can replace this
// module without touching the test.
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';

export interface ClusterClientOptions {
  /** Every node's URL; a client starts on the first and moves to the next one on a close. */
  urls: readonly string[];
  queue: string;
  /** A confirm not back in this time counts as unknown and the message is sent again. */
  confirmTimeoutMs?: number;
  prefetch?: number;
}

export const CLUSTER_CLIENT_DEFAULTS = { confirmTimeoutMs: 10_000, prefetch: 50 } satisfies Partial<ClusterClientOptions>;

/** A delivery as the test records it; `connection` counts the consumer's connections from 1. */
export interface ConsumedMessage {
  id: string;
  redelivered: boolean;
  connection: number;
}

/** Declares the durable quorum queue the test runs on (its members: every node of the cluster). */
export async function declareQuorumQueue(url: string, queue: string): Promise<void> {
  const model = await amqp.connect(url);
  try {
    const channel = await model.createChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  } finally {
    await model.close();
  }
}

export interface ClusterClient {
  /** Resolves once a node confirmed the message, sending it again (through the next node if need be) until one does. */
  publish(id: string): Promise<{ sends: number; connection: number }>;
  /** Calls `onMessage` for each delivery and acks it after; resolves once consuming has started. */
  consume(onMessage: (message: ConsumedMessage) => void): Promise<void>;
  /** The node URL each connection of the publisher and of the consumer went to, in order. */
  readonly connections: { publisher: string[]; consumer: string[] };
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Live<C> {
  model: ChannelModel;
  channel: C;
  /** Closes channel and connection (once) and starts the next connection. */
  end(): void;
}

/** One connection and channel at a time over a list of node URLs: a lost connection is replaced at once by the next. */
class FailoverLink<C extends Channel> {
  readonly urls: string[] = [];
  private current?: Promise<Live<C>>;
  private next = 0;
  private closing = false;

  constructor(
    private readonly nodeUrls: readonly string[],
    private readonly open: (model: ChannelModel, connection: number) => Promise<C>,
  ) {}

  /** The open channel, waiting for a reconnection if there is none now. */
  async channel(): Promise<{ channel: C; connection: number }> {
    this.current ??= this.connect();
    const { channel } = await this.current;
    return { channel, connection: this.urls.length };
  }

  /** Gives up `channel` if it is still the current one: the link moves on to the next node. */
  async abandon(channel: C): Promise<void> {
    const live = await this.current?.catch(() => undefined);
    if (live?.channel === channel) live.end();
  }

  async close(): Promise<void> {
    this.closing = true;
    const live = await this.current?.catch(() => undefined);
    await live?.model.close().catch(() => undefined);
  }

  private async connect(): Promise<Live<C>> {
    for (let attempt = 1; ; attempt++) {
      if (this.closing) throw new Error('Client closed');
      const url = this.nodeUrls[this.next % this.nodeUrls.length]!;
      let model: ChannelModel | undefined;
      try {
        model = await amqp.connect(url);
        model.on('error', () => undefined); // 'close' follows and is handled there.
        const channel = await this.open(model, this.urls.length + 1);
        this.urls.push(url);
        channel.on('error', () => undefined);
        // Channel or connection, whichever closes first ends both and starts the next connection: amqplib closes the
        // channel (failing its unconfirmed publishes) before the connection, and a retry must not find it current.
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          void model!.close().catch(() => undefined);
          this.next++;
          this.current = this.closing ? undefined : this.connect();
          this.current?.catch(() => undefined);
        };
        channel.once('close', end);
        model.once('close', end);
        return { model, channel, end };
      } catch {
        await model?.close().catch(() => undefined);
        this.next++;
        if (attempt % this.nodeUrls.length === 0) await sleep(200);
      }
    }
  }
}

/** The amqplib client: a confirm channel for publishing, a prefetching channel with manual acks for consuming. */
export function amqpClusterClient(options: ClusterClientOptions): ClusterClient {
  const { urls, queue, confirmTimeoutMs, prefetch } = { ...CLUSTER_CLIENT_DEFAULTS, ...options };
  const publisher = new FailoverLink<ConfirmChannel>(urls, (model) => model.createConfirmChannel());
  let consumer: FailoverLink<Channel> | undefined;

  const confirmOnce = (channel: ConfirmChannel, id: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No confirm for ${id} within ${confirmTimeoutMs} ms`)), confirmTimeoutMs);
      channel.sendToQueue(queue, Buffer.from(id), { persistent: true, messageId: id }, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });

  return {
    async publish(id) {
      for (let sends = 1; ; sends++) {
        const { channel, connection } = await publisher.channel();
        try {
          await confirmOnce(channel, id);
          return { sends, connection };
        } catch (error) {
          // Nacked, timed out or the channel closed: the outcome is unknown, so the message goes again (at least once)
          // on a new channel through the next node. Not on the same channel: on RabbitMQ 3.10 a channel that first
          // published to the quorum queue while its leader was being elected has every later publish nacked (seen
          // for 25 s and more), while a channel opened then confirms at once.
          await publisher.abandon(channel);
          await sleep(10);
        }
      }
    },
    async consume(onMessage) {
      consumer = new FailoverLink<Channel>(urls, async (model, connection) => {
        const channel = await model.createChannel();
        await channel.prefetch(prefetch);
        await channel.consume(queue, (message: ConsumeMessage | null) => {
          // null: the server cancelled the consumer; a new connection consumes again.
          if (!message) return void model.close().catch(() => undefined);
          onMessage({ id: message.content.toString(), redelivered: message.fields.redelivered, connection });
          try {
            channel.ack(message);
          } catch {
            // The channel closed under the ack: the message comes again (a counted duplicate).
          }
        });
        return channel;
      });
      await consumer.channel();
    },
    connections: {
      get publisher() {
        return publisher.urls;
      },
      get consumer() {
        return consumer?.urls ?? [];
      },
    },
    async close() {
      await Promise.all([publisher.close(), consumer?.close()]);
    },
  };
}
