import type { NackOptions, NackOutcome, SettleResult } from '../../driver/broker-types.js';
import { InvalidArgumentError, LeaseLostError } from '../../errors.js';
import { deliveryTime } from '../../core/delivery-time.js';
import { errorText } from '../../core/error-text.js';
import type { DeathRecord, Delivery } from '../../message.js';
import type { ResolvedQueueOptions } from '../../topology/queue-options.js';
import { assertKnownFields } from '../../validation/fields.js';
import { MAX_NACK_DELAY_MS } from '../../limits.js';
import type { ConfirmPublisher } from './confirm-channel.js';
import type { DelayQueues } from './delay-queues.js';
import type { Held, HeldDeliveries } from './held-deliveries.js';
import { copyProperties, LAST_ERROR_HEADER, PRIOR_ATTEMPTS_HEADER, withDeath } from './message-codec.js';
import { deliverKeyOf, dropKeyOf, roundUpDelay } from './names.js';

const NACK_OPTIONS: ReadonlySet<string> = new Set(['delayMs', 'deliverAt', 'reject', 'error']);

/** The PostgreSQL driver's retry_delay(): exponential from retryBaseMs by the attempt that failed, capped, minus jitter. */
export function retryDelayMs(attempt: number, options: ResolvedQueueOptions): number {
  const exponential = options.retryBaseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40);
  return Math.min(options.retryMaxMs, exponential) * (1 - options.retryJitter * Math.random());
}

export interface SettlerPorts {
  held: HeldDeliveries;
  publisher: ConfirmPublisher;
  delays: DelayQueues;
  deadLetterExchange: string;
  optionsOf(queue: string): Promise<ResolvedQueueOptions>;
  /** Told after each dead letter (the alerter's wake-up hint). */
  deadLettered(): void;
}

/**
 * Settles held deliveries. An ack is basic.ack on the delivery's own channel. Every other outcome publishes a copy
 * first and acks the original only once RabbitMQ confirmed the copy, so a crash in between duplicates the message,
 * never loses it: a retry goes to a delay queue with the attempts so far in a header (RabbitMQ's x-delivery-count
 * restarts on the copy); a dead letter goes to the dead-letter exchange with an x-death entry in RabbitMQ's format
 * and the error text (basic.reject would let RabbitMQ write x-death itself, but without the error, and always as
 * 'rejected'); a release goes back to the queue's tail with its attempt un-counted (nack with requeue counts it on
 * quorum queues: x-delivery-count rises).
 */
export class Settler {
  constructor(private readonly ports: SettlerPorts) {}

  ack(held: Held): void {
    this.ports.held.done(held);
    try {
      held.channel.channel.ack(held.message);
    } catch {
      // The channel closed under us (amqplib refuses to write on it): RabbitMQ redelivers the message.
      throw new LeaseLostError(held.delivery.messageId, 'ack');
    }
  }

  async nack(held: Held, options: NackOptions = {}): Promise<NackOutcome> {
    try {
      assertNackOptions(options);
      deliveryTime(options, { messageId: held.delivery.messageId }, MAX_NACK_DELAY_MS);
    } catch (error) {
      this.ports.held.giveBack(held);
      throw error;
    }
    const queueOptions = await this.ports.optionsOf(held.delivery.queue);
    const error = errorText(options.error);
    if (options.reject === true || held.delivery.attempt >= queueOptions.maxAttempts) {
      return this.deadLetter(held, options.reject === true ? 'rejected' : 'delivery_limit', error, queueOptions);
    }
    const delay = options.deliverAt ? Math.max(0, options.deliverAt.getTime() - Date.now()) : (options.delayMs ?? retryDelayMs(held.delivery.attempt, queueOptions));
    await this.republish(held, { [PRIOR_ATTEMPTS_HEADER]: held.delivery.attempt, [LAST_ERROR_HEADER]: error ?? undefined }, roundUpDelay(delay));
    return 'retried';
  }

  /** Back to the queue, visible now, the attempt not counted. */
  async release(held: Held): Promise<void> {
    await this.republish(held, { [PRIOR_ATTEMPTS_HEADER]: held.delivery.attempt - 1 }, 0);
  }

  /** Dead-letters (or drops, without a dead-letter queue) with the x-death entry; acks the original after the confirm. */
  async deadLetter(held: Held, reason: DeathRecord['reason'], error: string | null, options: ResolvedQueueOptions): Promise<NackOutcome> {
    const { delivery, message } = held;
    const key = options.deadLetterQueue === null ? dropKeyOf(delivery.queue) : deliverKeyOf(options.deadLetterQueue);
    const properties = copyProperties(message, {
      ...withDeath(message, delivery.queue, reason, message.fields.exchange, error),
      [LAST_ERROR_HEADER]: error ?? undefined,
      [PRIOR_ATTEMPTS_HEADER]: undefined,
    });
    await this.confirmThenAck(held, { exchange: this.ports.deadLetterExchange, routingKey: key, content: message.content, options: properties });
    this.ports.deadLettered();
    return options.deadLetterQueue === null ? 'dropped' : 'dead_lettered';
  }

  private async republish(held: Held, headers: Record<string, unknown>, delayMs: number): Promise<void> {
    const { delivery, message } = held;
    const properties = copyProperties(message, headers);
    const target = delayMs > 0 ? (await this.ports.delays.forQueue(delivery.queue, delayMs)).queue : delivery.queue;
    await this.confirmThenAck(held, { exchange: '', routingKey: target, content: message.content, options: properties });
  }

  private async confirmThenAck(held: Held, copy: Parameters<ConfirmPublisher['send']>[0][number]): Promise<void> {
    let returned: boolean[];
    try {
      returned = await this.ports.publisher.send([copy]);
    } catch (error) {
      this.ports.held.giveBack(held);
      throw error;
    }
    if (returned[0] && copy.exchange === '') {
      this.ports.held.giveBack(held);
      this.ports.delays.forget(copy.routingKey);
      throw new InvalidArgumentError(`Queue ${copy.routingKey} disappeared before the copy of ${held.delivery.messageId} reached it; the message is still held`, {});
    }
    if (!held.channel.open) {
      // The copy is stored but the original's channel closed: RabbitMQ redelivers the original too (a duplicate).
      this.ports.held.done(held);
      throw new LeaseLostError(held.delivery.messageId, 'nack');
    }
    this.ack(held);
  }
}

/** Unknown options, and a `reject` that is not a boolean, are refused (as the PostgreSQL driver does). */
function assertNackOptions(options: NackOptions): void {
  assertKnownFields(options, NACK_OPTIONS, 'the nack options');
  if (options.reject !== undefined && typeof options.reject !== 'boolean') {
    throw new InvalidArgumentError(`reject must be a boolean, got ${typeof options.reject}`, { option: 'reject' });
  }
}

/** ackMany/nackMany: one settle after another; lost leases are listed, other errors thrown. */
export async function settleEach(deliveries: readonly Delivery[], settle: (delivery: Delivery) => Promise<void>): Promise<SettleResult> {
  if (!Array.isArray(deliveries)) throw new InvalidArgumentError('Expected an array of deliveries', {});
  const result: SettleResult = { settled: [], lost: [] };
  for (const delivery of deliveries) {
    try {
      await settle(delivery);
      result.settled.push(delivery.id);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      result.lost.push(delivery.id);
    }
  }
  return result;
}
