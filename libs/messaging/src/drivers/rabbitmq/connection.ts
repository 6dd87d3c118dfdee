import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { BrokerClosedError } from '../../errors.js';
import type { BrokerLogger } from '../../core/logger.js';
import { BrokerUnavailableError } from '../../errors.js';
import { nodeLabel, type ResolvedRabbitMqOptions } from './rabbitmq-options.js';

/**
 * A channel and the connection generation it belongs to. `open` turns false for good when the channel or its
 * connection closes: a delivery received on it can then no longer be settled (its tag means nothing elsewhere).
 */
export interface TrackedChannel<C extends Channel = Channel> {
  readonly channel: C;
  readonly generation: number;
  readonly open: boolean;
  /** Resolves when the channel closes, for whatever reason. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

type Waiter = { resolve: (model: ChannelModel) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/**
 * One AMQP connection, reopened with exponential backoff (with jitter) whenever it is lost. Every connection gets
 * a new generation number; channels are opened per use and remember theirs. amqplib's own recovery (connect with
 * `recovery`) is not used: it would hide which connection a channel, and so a delivery tag, belongs to.
 *
 * With several node URLs (a cluster) every failed try moves on to the next node, round the list, and a lost
 * connection is reopened on the node after the one lost: a node that just dropped us is the likeliest to be down.
 */
export class ConnectionManager {
  private model: ChannelModel | null = null;
  /** Index in options.urls of the node connected to, or of the next one to try. */
  private node = 0;
  private generation = 0;
  private closing = false;
  private reconnecting = false;
  private readonly waiters = new Set<Waiter>();
  private readonly reconnectListeners = new Set<(generation: number) => void>();

  constructor(
    readonly options: ResolvedRabbitMqOptions,
    private readonly logger: BrokerLogger,
  ) {}

  get state(): 'connected' | 'disconnected' {
    return this.model ? 'connected' : 'disconnected';
  }

  /** The node connected to (host:port), or undefined while disconnected. */
  get connectedNode(): string | undefined {
    return this.model ? this.label(this.node) : undefined;
  }

  get currentGeneration(): number {
    return this.generation;
  }

  /**
   * The first connection: each node once, in order; fails at once if none answers (a misconfigured URL should not
   * retry silently), with the last node's error.
   */
  async start(): Promise<void> {
    const { urls } = this.options;
    for (let tried = 1; ; tried++) {
      try {
        await this.open();
        return;
      } catch (error) {
        if (tried >= urls.length) throw error;
        this.logger.warn(`RabbitMQ node ${this.label(this.node)} did not answer (${(error as Error).message}); trying ${this.label(this.node + 1)}`);
        this.node = (this.node + 1) % urls.length;
      }
    }
  }

  /** Called after every reconnect (not the first connect) with the new generation; returns the removal. */
  onReconnect(listener: (generation: number) => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** The live connection, waiting up to connectionWaitMs while reconnecting. */
  current(): Promise<ChannelModel> {
    if (this.closing) return Promise.reject(new BrokerClosedError('The broker is closed'));
    if (this.model) return Promise.resolve(this.model);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new BrokerUnavailableError(`No connection to RabbitMQ within ${this.options.connectionWaitMs} ms (reconnecting)`, {}));
        }, this.options.connectionWaitMs),
      };
      this.waiters.add(waiter);
    });
  }

  openChannel(): Promise<TrackedChannel<Channel>>;
  openChannel(confirm: true): Promise<TrackedChannel<ConfirmChannel>>;
  async openChannel(confirm = false): Promise<TrackedChannel> {
    const model = await this.current();
    const generation = this.generation;
    const channel = confirm ? await model.createConfirmChannel() : await model.createChannel();
    let open = true;
    const closed = new Promise<void>((resolve) =>
      channel.once('close', () => {
        open = false;
        resolve();
      }),
    );
    // A channel error (a 404 on a passive declare, a 406) closes the channel; the operation's promise carries it.
    channel.on('error', () => undefined);
    return {
      channel,
      generation,
      get open() {
        return open;
      },
      closed,
      close: async () => {
        if (!open) return;
        await channel.close().catch(() => undefined);
      },
    };
  }

  /** Runs `work` on a channel of its own, closed afterwards: a channel error in it cannot hurt anyone else. */
  async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const tracked = await this.openChannel();
    try {
      return await work(tracked.channel);
    } finally {
      await tracked.close();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new BrokerClosedError('The broker is closed'));
    }
    this.waiters.clear();
    const model = this.model;
    this.model = null;
    await model?.close().catch(() => undefined);
  }

  private label(index: number): string {
    return nodeLabel(this.options.urls[index % this.options.urls.length]);
  }

  /** Connects to the node at `this.node`. */
  private async open(): Promise<void> {
    const node = this.label(this.node);
    const model = await amqp.connect(this.options.urls[this.node], { clientProperties: { connection_name: this.options.connectionName } });
    model.on('error', (error: Error) => this.logger.warn(`RabbitMQ connection error (node ${node}): ${error.message}`));
    model.on('blocked', (reason: string) => this.logger.warn(`RabbitMQ node ${node} blocked the connection (${reason}): publishes wait until it unblocks`));
    model.once('close', () => this.lost(model));
    if (this.closing) {
      await model.close().catch(() => undefined);
      return;
    }
    this.model = model;
    this.generation++;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(model);
    }
    this.waiters.clear();
  }

  private lost(model: ChannelModel): void {
    if (this.model !== model) return;
    this.model = null;
    if (this.closing) return;
    const lost = this.label(this.node);
    this.node = (this.node + 1) % this.options.urls.length;
    this.logger.warn(`RabbitMQ connection lost (node ${lost}); reconnecting${this.options.urls.length > 1 ? `, to ${this.label(this.node)} first` : ''}`);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let failures = 0; !this.closing && !this.model; failures++) {
        const ceiling = Math.min(this.options.reconnectMaxMs, this.options.reconnectBaseMs * 2 ** Math.min(failures, 30));
        await new Promise((resolve) => setTimeout(resolve, ceiling * (0.5 + Math.random() / 2)));
        if (this.closing) return;
        try {
          await this.open();
        } catch (error) {
          const failed = this.label(this.node);
          this.node = (this.node + 1) % this.options.urls.length;
          this.logger.warn(`Reconnecting to RabbitMQ node ${failed} failed (try ${failures + 1}): ${(error as Error).message}`);
        }
      }
    } finally {
      this.reconnecting = false;
    }
    if (this.model && !this.closing) {
      this.logger.log(`RabbitMQ connection re-established (node ${this.label(this.node)})`);
      for (const listener of this.reconnectListeners) listener(this.generation);
    }
  }
}
