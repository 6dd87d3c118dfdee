import type { ConnectionManager } from './connection.js';
import { exchangeDelayQueueOf, queueDelayQueueOf } from './names.js';
import { DELAY_QUEUE_SLACK_MS, delayQueueArguments } from './queue-arguments.js';

/** Where a delayed copy goes: the delay queue's name, declared (or re-declared in time to keep it from expiring). */
export interface DelayTarget {
  queue: string;
  ms: number;
}

/** A delayed publish's route: the headers exchange that keeps the message's routing key, and the header to match. */
export interface ExchangeDelayTarget extends DelayTarget {
  exchange: string;
  headers: Record<string, string>;
}

/** Header a delayed publish carries; the headers exchange `<exchange>.delays` routes it to the delay queue of that delay. */
export const DELAY_HEADER = 'x-messaging-delay-ms';

/**
 * The delay queues this broker uses, without plugins: one per (origin, delay) pair, delays rounded up to two
 * significant digits so there are few of them. A queue's x-expires runs from its last declare (a publish does not
 * renew it), so each is re-declared before use once a fifth of its slack has passed: a message put in it always
 * expires before the queue could.
 */
export class DelayQueues {
  private readonly declaredAt = new Map<string, number>();
  /** Origin queue → its delay queues, for queueStats' `delayed`. */
  private readonly byOrigin = new Map<string, Set<string>>();

  constructor(
    private readonly connection: ConnectionManager,
    private readonly exchange: string,
  ) {}

  /** The delay queue for a retry or a delayed publishToQueue: back into `queue` by the default exchange. */
  forQueue(queue: string, ms: number): Promise<DelayTarget> {
    const name = queueDelayQueueOf(queue, ms);
    return this.ensure(name, ms, '', queue, queue);
  }

  /**
   * The delay queue for a delayed publish, routed through the main exchange with the message's own key when due.
   * The message reaches it through the headers exchange `<exchange>.delays` (by its delay header), so its routing
   * key stays its own: the delay queue dead-letters without a key override.
   */
  async forExchange(ms: number): Promise<ExchangeDelayTarget> {
    const exchange = `${this.exchange}.delays`;
    const name = exchangeDelayQueueOf(this.exchange, ms);
    const headers = { [DELAY_HEADER]: String(ms) };
    const before = this.declaredAt.get(name);
    const target = await this.ensure(name, ms, this.exchange, null, null);
    if (this.declaredAt.get(name) !== before) {
      // (Re-)declared: the queue may have expired since, taking its binding with it.
      await this.connection.withChannel(async (channel) => {
        await channel.assertExchange(exchange, 'headers', { durable: true });
        await channel.bindQueue(name, exchange, '', { 'x-match': 'all', ...headers });
      });
    }
    return { ...target, exchange, headers };
  }

  delayQueuesOf(queue: string): string[] {
    return [...(this.byOrigin.get(queue) ?? [])];
  }

  /** Forgets a delay queue that turned out to be gone (expired between the check and the publish). */
  forget(name: string): void {
    this.declaredAt.delete(name);
  }

  private async ensure(name: string, ms: number, deadLetterExchange: string, routingKey: string | null, origin: string | null): Promise<DelayTarget> {
    const last = this.declaredAt.get(name);
    if (last === undefined || Date.now() - last > DELAY_QUEUE_SLACK_MS / 5) {
      const at = Date.now();
      await this.connection.withChannel((channel) => channel.assertQueue(name, { durable: true, arguments: delayQueueArguments(ms, deadLetterExchange, routingKey) }));
      this.declaredAt.set(name, at);
      if (origin !== null) {
        const set = this.byOrigin.get(origin) ?? new Set<string>();
        set.add(name);
        this.byOrigin.set(origin, set);
      }
    }
    return { queue: name, ms };
  }
}
