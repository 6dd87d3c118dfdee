import { randomUUID } from 'node:crypto';
import type { Message } from 'amqplib';
import { InvalidArgumentError, LeaseLostError } from '../../errors.js';
import type { Delivery } from '../../message.js';
import type { TrackedChannel } from './connection.js';
import { toDelivery } from './message-codec.js';

/** A delivery this process holds: the AMQP message and the channel it came on, the only one that may settle it. */
export interface Held {
  readonly delivery: Delivery;
  readonly message: Message;
  readonly channel: TrackedChannel;
  /** Set once a settle started: a second one is a LeaseLostError, not a second ack. */
  settling: boolean;
}

type Operation = 'ack' | 'nack' | 'extend' | 'release';

/**
 * The deliveries held by this broker's consumers and claims, by delivery id. Settling is fenced by the channel: a
 * delivery whose channel closed (connection lost, consumer stopped) is gone from here and its settle is a
 * LeaseLostError; an ack is never sent on another channel, where its delivery tag would mean another message.
 */
export class HeldDeliveries {
  private readonly held = new Map<string, Held>();
  private serial = 0;

  /** Registers a received message; forgets it when its channel closes. */
  add<T>(message: Message, queue: string, channel: TrackedChannel): Held {
    const id = `${channel.generation}.${++this.serial}`;
    const delivery = toDelivery<T>(message, queue, id, randomUUID());
    const held: Held = { delivery, message, channel, settling: false };
    this.held.set(id, held);
    void channel.closed.then(() => this.held.delete(id));
    return held;
  }

  /** The held entry for a delivery, claimed for one settle; LeaseLostError if it is not held (any more). */
  take(delivery: Delivery, operation: Operation): Held {
    assertDeliveryShape(delivery);
    const held = this.held.get(delivery.id);
    if (!held || held.delivery.leaseToken !== delivery.leaseToken || held.settling || !held.channel.open) {
      throw new LeaseLostError(delivery.messageId, operation);
    }
    held.settling = true;
    return held;
  }

  /** The settle failed before anything happened to the message: it is held again. */
  giveBack(held: Held): void {
    if (this.held.get(held.delivery.id) === held) held.settling = false;
  }

  /** Settled: forget it. */
  done(held: Held): void {
    this.held.delete(held.delivery.id);
  }

  /** How many deliveries of `queue` this process holds (queueStats' `leased`). */
  countFor(queue: string): number {
    let n = 0;
    for (const held of this.held.values()) if (held.delivery.queue === queue) n++;
    return n;
  }
}

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value);

function assertDeliveryShape(delivery: Delivery): void {
  if (delivery === null || typeof delivery !== 'object') throw new InvalidArgumentError('A delivery must be an object from claim or consume', {});
  if (typeof delivery.id !== 'string' || delivery.id === '') throw new InvalidArgumentError(`Invalid delivery id ${show(delivery.id)}: expected the id a claim returned`, {});
  if (typeof delivery.leaseToken !== 'string' || delivery.leaseToken === '') {
    throw new InvalidArgumentError(`Invalid lease token ${show(delivery.leaseToken)} of delivery ${delivery.id}: it holds no lease (was it read with browse rather than claimed?)`, {
      id: delivery.id,
    });
  }
}
