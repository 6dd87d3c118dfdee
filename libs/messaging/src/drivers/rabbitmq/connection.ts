import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { BrokerClosedError } from '../../errors.js';
import type { BrokerLogger } from '../../core/logger.js';
import { BrokerUnavailableError } from '../../errors.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-options.js';

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
 */
export class ConnectionManager {
  private model: ChannelModel | null = null;
  private generation = 0;
  private closing = false;
  private reconnecting = false;
  private readonly waiters = new Set<Waiter>();
  private readonly reconnectListeners = new Set<(generation: number) => void>();

  constructor(
    private readonly options: ResolvedRabbitMqOptions,
    private readonly logger: BrokerLogger,
  ) {}

  get state(): 'connected' | 'disconnected' {
    return this.model ? 'connected' : 'disconnected';
  }

  get currentGeneration(): number {
    return this.generation;
  }

  /** The first connection: fails at once if RabbitMQ is not there (a misconfigured URL should not retry silently). */
  async start(): Promise<void> {
    await this.open();
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

  private async open(): Promise<void> {
    const model = await amqp.connect(this.options.url, { clientProperties: { connection_name: this.options.connectionName } });
    model.on('error', (error: Error) => this.logger.warn(`RabbitMQ connection error: ${error.message}`));
    model.on('blocked', (reason: string) => this.logger.warn(`RabbitMQ blocked the connection (${reason}): publishes wait until it unblocks`));
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
    this.logger.warn('RabbitMQ connection lost; reconnecting');
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
          this.logger.warn(`Reconnecting to RabbitMQ failed (try ${failures + 1}): ${(error as Error).message}`);
        }
      }
    } finally {
      this.reconnecting = false;
    }
    if (this.model && !this.closing) {
      this.logger.log('RabbitMQ connection re-established');
      for (const listener of this.reconnectListeners) listener(this.generation);
    }
  }
}
