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
 * A nack, or the channel closing before the confirm, is a PublishNotConfirmedError: never a silent drop.
 */
export class ConfirmPublisher {
  private current: TrackedChannel<ConfirmChannel> | null = null;
  private opening: Promise<TrackedChannel<ConfirmChannel>> | null = null;
  private readonly pending = new Set<Pending>();

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
    const entries: Pending[] = [];
    const confirms: Promise<void>[] = [];
    for (const message of messages) {
      const entry: Pending = { exchange: message.exchange, routingKey: message.routingKey, messageId: message.options.messageId, returned: false, confirmed: false };
      this.pending.add(entry);
      entries.push(entry);
      let written = true;
      confirms.push(
        new Promise<void>((resolve, reject) => {
          // publish() throws at once on a channel amqplib knows is closed: the executor turns that into a rejection.
          written = channel.publish(message.exchange, message.routingKey, message.content, { ...message.options, mandatory: true }, (error) => {
            entry.confirmed = true;
            this.pending.delete(entry);
            if (error) reject(/nack/i.test(String((error as Error)?.message)) ? 'nacked by RabbitMQ' : 'the channel closed before the confirm');
            else resolve();
          });
        }).catch((error: unknown) => {
          this.pending.delete(entry);
          throw error;
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
