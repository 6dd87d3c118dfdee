import type { PublishOptions, PublishResult } from '../../driver/broker-types.js';
import { InvalidArgumentError, QueueNotFoundError, UnroutableMessageError } from '../../errors.js';
import type { OutgoingMessage } from '../../message.js';
import { assertKnownFields } from '../../validation/fields.js';
import { assertQueueName } from '../../validation/names.js';
import { messageColumns } from '../../core/message-columns.js';
import type { ConfirmPublisher, Outgoing } from './confirm-channel.js';
import type { DelayQueues } from './delay-queues.js';
import { CapabilityNotSupportedError } from '../../errors.js';
import { publishProperties, type EncodedMessage } from './message-codec.js';
import { DIRECT_REPLY_TO, isDirectReplyAddress, REPLY_INBOX_PREFIX, roundUpDelay } from './names.js';

const PUBLISH_OPTIONS: ReadonlySet<string> = new Set(['transaction', 'mandatory', 'deduplicationWindowMs']);
const PUBLISH_TO_QUEUE_OPTIONS: ReadonlySet<string> = new Set(['transaction']);

interface Planned {
  index: number;
  message: EncodedMessage;
  via: ConfirmPublisher;
  send: Outgoing;
  delayed: boolean;
}

/**
 * publish and publishToQueue. Validation is the PostgreSQL driver's (message-columns), so the same input fails the
 * same way. Every message goes out with `mandatory` on a confirm channel and the call resolves once RabbitMQ
 * confirmed all of them.
 *
 * Unroutable messages with mandatory 'error': UnroutableMessageError names them, but RabbitMQ cannot take back the
 * routable messages of the same call, which were delivered (publish one message per call where that matters).
 * A delayed message is routed when it is due (it waits in a delay queue first), so it is never reported unroutable;
 * one that matches nothing when due is dropped, as RabbitMQ's delayed-message plugin does.
 */
export class Publisher {
  constructor(
    private readonly main: ConfirmPublisher,
    private readonly delays: DelayQueues,
    private readonly exchange: string,
    private readonly maxPayloadBytes: number,
    /** The confirm channel of an open reply inbox, by its address. */
    private readonly inboxChannel: (address: string) => ConfirmPublisher | undefined,
  ) {}

  async publish(messages: readonly OutgoingMessage[], options: PublishOptions = {}): Promise<PublishResult> {
    assertKnownFields(options, PUBLISH_OPTIONS, 'the publish options');
    const mandatory = options.mandatory ?? 'error';
    if (mandatory !== 'error' && mandatory !== 'report') throw new InvalidArgumentError(`mandatory must be 'error' or 'report', got ${String(mandatory)}`, {});
    assertNoTransaction(options);
    if (options.deduplicationWindowMs !== undefined) {
      throw new CapabilityNotSupportedError(
        'deduplicationWindow',
        'RabbitMQ has no broker-side deduplication without plugins; deduplicate on the consumer side (the Inbox does)',
      );
    }
    const encoded = encode(messages, this.maxPayloadBytes);
    const plan = await Promise.all(
      encoded.map(async (message, index) => {
        if (message.delayMs > 0) {
          const target = await this.delays.forExchange(roundUpDelay(message.delayMs));
          return this.planned(index, { ...message, headers: { ...message.headers, ...target.headers } }, target.exchange, message.routingKey, true);
        }
        return this.planned(index, message, this.exchange, message.routingKey, false);
      }),
    );
    const returned = await this.sendAll(plan);
    const unroutable = plan.filter((p) => returned[p.index] && !p.delayed);
    const lostDelay = plan.filter((p) => returned[p.index] && p.delayed);
    if (lostDelay.length > 0) throw new InvalidArgumentError(`A delay queue vanished while publishing ${lostDelay.map((p) => p.message.messageId).join(', ')}; publish again`, {});
    if (unroutable.length > 0 && mandatory === 'error') {
      throw new UnroutableMessageError([...new Set(unroutable.map((p) => p.message.routingKey))], unroutable.map((p) => p.message.messageId));
    }
    return {
      messageIds: encoded.map((m) => m.messageId),
      // RabbitMQ does not say how many queues a message reached: one per message routed somewhere.
      copies: encoded.length - unroutable.length,
      unroutable: unroutable.map((p) => p.message.messageId),
      duplicates: [],
    };
  }

  /** Straight into one queue (the default exchange), or to a direct reply-to address; QueueNotFoundError if there is none. */
  async publishToQueue(queue: string, messages: readonly OutgoingMessage[], options: Pick<PublishOptions, 'transaction'> = {}): Promise<PublishResult> {
    const replyAddress = typeof queue === 'string' && isDirectReplyAddress(queue);
    if (!replyAddress) assertQueueName(queue);
    assertKnownFields(options, PUBLISH_TO_QUEUE_OPTIONS, 'the publishToQueue options');
    assertNoTransaction(options);
    const encoded = encode(messages, this.maxPayloadBytes);
    const plan = await Promise.all(
      encoded.map(async (message, index) => {
        if (message.delayMs > 0 && !replyAddress) {
          const target = await this.delays.forQueue(queue, roundUpDelay(message.delayMs));
          return this.planned(index, message, '', target.queue, true);
        }
        return this.planned(index, message, '', queue, false);
      }),
    );
    const returned = await this.sendAll(plan);
    if (plan.some((p) => returned[p.index] && !p.delayed)) throw new QueueNotFoundError(queue);
    if (plan.some((p) => returned[p.index])) throw new InvalidArgumentError(`A delay queue of ${queue} vanished while publishing; publish again`, {});
    return { messageIds: encoded.map((m) => m.messageId), copies: encoded.length, unroutable: [], duplicates: [] };
  }

  private planned(index: number, message: EncodedMessage, exchange: string, routingKey: string, delayed: boolean): Planned {
    const properties = publishProperties(message, Date.now());
    const inbox = message.headers['reply-to']?.startsWith(REPLY_INBOX_PREFIX) ? this.inboxChannel(message.headers['reply-to']) : undefined;
    if (inbox) {
      // Direct reply-to: published on the inbox's channel with replyTo 'amq.rabbitmq.reply-to', which RabbitMQ
      // rewrites into the address of that channel's reply consumer.
      const headers = { ...(properties.headers as Record<string, unknown>) };
      delete headers['reply-to'];
      properties.headers = headers;
      properties.replyTo = DIRECT_REPLY_TO;
    }
    return { index, message, via: inbox ?? this.main, send: { exchange, routingKey, content: message.content, options: properties }, delayed };
  }

  /** Sends every planned message (grouped by channel, in order within each); returns whether each came back. */
  private async sendAll(plan: Planned[]): Promise<boolean[]> {
    const returned: boolean[] = new Array(plan.length).fill(false);
    const groups = new Map<ConfirmPublisher, Planned[]>();
    for (const p of plan) groups.set(p.via, [...(groups.get(p.via) ?? []), p]);
    await Promise.all(
      [...groups].map(async ([via, group]) => {
        const flags = await via.send(group.map((p) => p.send));
        group.forEach((p, i) => (returned[p.index] = flags[i]));
      }),
    );
    return returned;
  }
}

function assertNoTransaction(options: { transaction?: unknown }): void {
  if (options.transaction !== undefined) {
    throw new CapabilityNotSupportedError('transactionalPublish', 'a publish cannot join a PostgreSQL transaction on RabbitMQ; use the outbox (Outbox + OutboxRelay)');
  }
}

/** Validates the whole call (the PostgreSQL driver's rules) and resolves each message's delay to ms from now. */
function encode(messages: readonly OutgoingMessage[], maxPayloadBytes: number): EncodedMessage[] {
  const columns = messageColumns(messages, maxPayloadBytes);
  const now = Date.now();
  return columns.messageIds.map((messageId, i) => ({
    messageId,
    routingKey: columns.routingKeys[i],
    content: Buffer.from(columns.payloads[i], 'utf8'),
    headers: JSON.parse(columns.headers[i]) as Record<string, string>,
    delayMs: columns.deliverAts[i] ? Math.max(0, (columns.deliverAts[i] as Date).getTime() - now) : (columns.delaysMs[i] ?? 0),
  }));
}
