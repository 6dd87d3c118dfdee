import type { ConfirmChannel, Message, Options } from 'amqplib';
import type { ConnectionManager, TrackedChannel } from './connection.js';
import { PublishNotConfirmedError } from '../../errors.js';

/** One message to send on a confirm channel. */
export interface Outgoing {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
}

interface Pending {
  exchange: string;
  routingKey: string;
  messageId: string | undefined;
  returned: boolean;
  confirmed: boolean;
}

/**
 * A confirm channel, reopened on first use after it closed. send() publishes with `mandatory` and resolves once
 * RabbitMQ confirmed every message, saying which came back unroutable: RabbitMQ sends a message's basic.return
 * before its basic.ack, so a return is matched to the oldest unconfirmed message with its exchange, key and id.
 * A nack, no confirm within confirmTimeoutMs, or the channel closing before the confirm, is a
 * PublishNotConfirmedError: never a silent drop. After a nack or a timeout the channel is replaced (retire()).
 */
export class ConfirmPublisher {
  private current: TrackedChannel<ConfirmChannel> | null = null;
  private opening: Promise<TrackedChannel<ConfirmChannel>> | null = null;
  private readonly pending = new Set<Pending>();
  /** Publishes awaiting their confirm, by channel. */
  private readonly inFlight = new Map<TrackedChannel<ConfirmChannel>, number>();
  /** Channels taken out of use that close once nothing is in flight on them. */
  private readonly retired = new Set<TrackedChannel<ConfirmChannel>>();

  constructor(
    private readonly connection: ConnectionManager,
    /** Runs on each newly opened channel before it is used (the reply inbox starts its consumer there). */
    private readonly prepare: (tracked: TrackedChannel<ConfirmChannel>) => Promise<void> = async () => undefined,
  ) {}

  /** The channel, opening one if there is none (single-flight). */
  channel(): Promise<TrackedChannel<ConfirmChannel>> {
    if (this.current?.open) return Promise.resolve(this.current);
    this.opening ??= this.open().finally(() => (this.opening = null));
    return this.opening;
  }

  async send(messages: readonly Outgoing[]): Promise<boolean[]> {
    if (messages.length === 0) return [];
    const tracked = await this.channel();
    const { channel } = tracked;
    const timeoutMs = this.connection.options.confirmTimeoutMs;
    const entries: Pending[] = [];
    const confirms: Promise<void>[] = [];
    for (const message of messages) {
      const entry: Pending = { exchange: message.exchange, routingKey: message.routingKey, messageId: message.options.messageId, returned: false, confirmed: false };
      this.pending.add(entry);
      entries.push(entry);
      this.inFlight.set(tracked, (this.inFlight.get(tracked) ?? 0) + 1);
      let written = true;
      let timer: NodeJS.Timeout | undefined;
      confirms.push(
        new Promise<void>((resolve, reject) => {
          timer = setTimeout(() => {
            reject(`no confirm within ${timeoutMs} ms`);
            this.retire(tracked, true); // the confirms are not coming: fail the rest of the channel's at once too
          }, timeoutMs);
          // publish() throws at once on a channel amqplib knows is closed: the executor turns that into a rejection.
          written = channel.publish(message.exchange, message.routingKey, message.content, { ...message.options, mandatory: true }, (error) => {
            entry.confirmed = true;
            if (!error) return resolve();
            const nacked = /nack/i.test(String((error as Error)?.message));
            if (nacked) this.retire(tracked, false);
            reject(nacked ? 'nacked by RabbitMQ' : 'the channel closed before the confirm');
          });
        }).finally(() => {
          clearTimeout(timer);
          this.pending.delete(entry);
          this.settled(tracked);
        }),
      );
      if (!tracked.open) break;
      // Backpressure: past amqplib's high-water mark wait for the socket to drain (or the channel to close).
      if (!written) await Promise.race([new Promise((resolve) => channel.once('drain', resolve)), tracked.closed]);
    }
    const results = await Promise.allSettled(confirms);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [messages[i].options.messageId ?? `#${i}`] : []));
    if (failed.length > 0 || results.length < messages.length) {
      const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      const notSent = messages.slice(results.length).map((m, i) => m.options.messageId ?? `#${results.length + i}`);
      throw new PublishNotConfirmedError([...failed, ...notSent], String(reason?.reason ?? 'the channel closed'));
    }
    return entries.map((e) => e.returned);
  }

  /**
   * Takes `tracked` out of use: the next send opens a new channel. On RabbitMQ 3.10 a channel opened on a surviving
   * node just after a quorum leader died had every later publish nacked for good, while a new channel confirmed at
   * once; so a nack retires the channel (closed once its other publishes have their confirms) and a confirm
   * timeout closes it at once.
   */
  private retire(tracked: TrackedChannel<ConfirmChannel>, now: boolean): void {
    if (this.current === tracked) this.current = null;
    if (now || !this.inFlight.get(tracked)) void tracked.close();
    else this.retired.add(tracked);
  }

  private settled(tracked: TrackedChannel<ConfirmChannel>): void {
    const left = (this.inFlight.get(tracked) ?? 1) - 1;
    if (left > 0) return void this.inFlight.set(tracked, left);
    this.inFlight.delete(tracked);
    if (this.retired.delete(tracked)) void tracked.close();
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    await current?.close();
  }

  private async open(): Promise<TrackedChannel<ConfirmChannel>> {
    const tracked = await this.connection.openChannel(true);
    tracked.channel.on('return', (message: Message) => this.returned(message));
    try {
      await this.prepare(tracked);
    } catch (error) {
      await tracked.close();
      throw error;
    }
    this.current = tracked;
    return tracked;
  }

  private returned(message: Message): void {
    const { exchange, routingKey } = message.fields as unknown as { exchange: string; routingKey: string };
    for (const entry of this.pending) {
      if (!entry.returned && !entry.confirmed && entry.exchange === exchange && entry.routingKey === routingKey && entry.messageId === message.properties.messageId) {
        entry.returned = true;
        return;
      }
    }
  }
}
