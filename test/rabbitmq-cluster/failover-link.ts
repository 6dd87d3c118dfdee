import amqp, { type Channel, type ChannelModel } from 'amqplib';

interface Live<C> {
  model: ChannelModel;
  channel: C;
  /** Closes channel and connection (once) and starts the next connection. */
  end(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One amqplib connection and channel at a time over a list of node URLs: when either closes, or the user abandons
 * the channel, the link connects to the next URL at once (going round the list, pausing 200 ms after each round that
 * found no node).
 */
export class FailoverLink<C extends Channel> {
  /** The URL of every connection made so far, in order. */
  readonly urls: string[] = [];
  private current?: Promise<Live<C>>;
  private next = 0;
  private closing = false;

  constructor(
    private readonly nodeUrls: readonly string[],
    /** Opens the channel on a new connection (and starts consuming on it, for a consumer). */
    private readonly open: (model: ChannelModel) => Promise<C>,
  ) {}

  /** The open channel, waiting for a connection if there is none now. */
  async channel(): Promise<C> {
    this.current ??= this.connect();
    return (await this.current).channel;
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
        const channel = await this.open(model);
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
