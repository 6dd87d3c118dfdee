import type { Channel, GetMessage } from 'amqplib';
import type { BrowseQuery, DeadLetterGroup, MessageDetail, MessagePage, MessageSummary } from '../../driver/admin-types.js';
import { errorTypeOf } from '../../driver/error-type.js';
import type { MessageBrowsing } from '../../driver/operator-methods.js';
import { matchesFilter } from '../../core/message-filter.js';
import { CapabilityNotSupportedError } from '../../errors.js';
import { DEAD_LETTER_SUFFIX } from '../../topology/queue-options.js';
import { decodeCursor, encodeCursor, resolveBrowseQuery } from '../../validation/browse-query.js';
import { assertMessageId, assertQueueName } from '../../validation/names.js';
import type { ConnectionManager } from './connection.js';
import { deathsOf, lastErrorOf, priorAttemptsOf, publishedAtOf, routingKeyOf, userHeadersOf } from './message-codec.js';
import type { Topology } from './topology.js';

/** How many messages a read takes from the head of a dead-letter queue (capability browseDepth). */
export const DEAD_LETTER_BROWSE_DEPTH = 10_000;
const OFFSET = /^[0-9]{1,9}$/;
const WHY_DEAD_LETTERS_ONLY =
  'RabbitMQ counts every read as a delivery (x-delivery-count), and a queue with a dead-letter queue has a delivery limit: ' +
  'reading it could dead-letter its messages; only dead-letter queues are browsed (capability browseStates)';

/** A message read from a queue: its summary and what a detail adds. */
function summaryOf(message: GetMessage, queue: string, position: number): MessageSummary {
  const deaths = deathsOf(message);
  return {
    id: `${queue}#${position}`,
    queue,
    messageId: message.properties.messageId ?? `amqp-${position}`,
    routingKey: routingKeyOf(message),
    state: 'dead',
    attempts: priorAttemptsOf(message),
    publishedAt: new Date(publishedAtOf(message)),
    visibleAt: null,
    lastError: lastErrorOf(message) ?? deaths[0]?.lastError ?? null,
    payloadBytes: message.content.length,
    deaths,
  };
}

function payloadOf(message: GetMessage): unknown {
  const text = message.content.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text; // a message that was not JSON (dead-lettered for it): shown as its text
  }
}

/**
 * Browse, read, delete and group dead letters over AMQP alone: a read takes up to DEAD_LETTER_BROWSE_DEPTH
 * messages from the queue's head with basic.get and gives them back by closing its channel (their order kept).
 * Only dead-letter queues are read: see WHY_DEAD_LETTERS_ONLY. Two reads at once each see part of the queue.
 */
export class DeadLetterBrowser implements MessageBrowsing {
  constructor(
    private readonly connection: ConnectionManager,
    private readonly topology: Topology,
  ) {}

  async browseMessages(queue: string, query?: BrowseQuery): Promise<MessagePage> {
    assertQueueName(queue);
    const resolved = resolveBrowseQuery(query);
    if (resolved.state !== null && resolved.state !== 'dead') throw new CapabilityNotSupportedError('browseStates', WHY_DEAD_LETTERS_ONLY);
    const offset = resolved.cursor === null ? 0 : Number(decodeCursor(resolved.cursor, OFFSET));
    const target = await this.deadLetterQueueOf(queue, resolved.state === 'dead');
    if (target === null) return { messages: [], nextCursor: null };
    const matching = (await this.read(target, (messages) => messages.map((m, i) => summaryOf(m, target, i)))).filter((m) => matchesFilter(resolved, m));
    if (resolved.order === 'newest') matching.reverse();
    const end = offset + resolved.limit;
    return { messages: matching.slice(offset, end), nextCursor: end < matching.length ? encodeCursor(String(end)) : null };
  }

  async getMessage(queue: string, messageId: string): Promise<MessageDetail | null> {
    assertQueueName(queue);
    assertMessageId(messageId);
    const target = await this.deadLetterQueueOf(queue, false);
    return this.read(target as string, (messages) => {
      const index = messages.findIndex((m) => m.properties.messageId === messageId);
      if (index < 0) return null;
      const message = messages[index];
      return { ...summaryOf(message, queue, index), headers: userHeadersOf(message), payload: payloadOf(message) };
    });
  }

  /** Acks the copies with this id (the rest go back when the read's channel closes). */
  async deleteMessage(queue: string, messageId: string): Promise<boolean> {
    assertQueueName(queue);
    assertMessageId(messageId);
    const target = await this.deadLetterQueueOf(queue, false);
    return this.read(target as string, (messages, channel) => {
      const doomed = messages.filter((m) => m.properties.messageId === messageId);
      doomed.forEach((m) => channel.ack(m));
      return doomed.length > 0;
    });
  }

  async deadLetterGroups(queue?: string): Promise<DeadLetterGroup[]> {
    if (queue !== undefined) assertQueueName(queue);
    const queues = queue === undefined ? this.knownDeadLetterQueues() : [await this.deadLetterQueueOf(queue, true)].filter((q): q is string => q !== null);
    const groups = new Map<string, DeadLetterGroup>();
    for (const deadLetterQueue of queues) {
      const summaries = await this.read(deadLetterQueue, (messages) => messages.map((m, i) => summaryOf(m, deadLetterQueue, i)));
      for (const summary of summaries) {
        const latest = summary.deaths[0];
        const group = { deadLetterQueue, sourceQueue: latest?.queue ?? '', reason: latest?.reason ?? 'rejected', errorType: errorTypeOf(summary.lastError) };
        const at = latest ? new Date(latest.lastTime) : summary.publishedAt;
        const key = JSON.stringify(group);
        const seen = groups.get(key);
        if (!seen) groups.set(key, { ...group, count: 1, oldest: at, newest: at });
        else groups.set(key, { ...seen, count: seen.count + 1, oldest: at < seen.oldest ? at : seen.oldest, newest: at > seen.newest ? at : seen.newest });
      }
    }
    const keyOf = (g: DeadLetterGroup) => [g.deadLetterQueue, g.sourceQueue, g.reason, g.errorType].join('\u0000');
    return [...groups.values()]
      .filter((g) => queue === undefined || g.deadLetterQueue === queue || g.sourceQueue === queue)
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  }

  /** Dead-letter queues of the queues this broker knows, and queues named as dead-letter queues. */
  private knownDeadLetterQueues(): string[] {
    const names = new Set<string>();
    for (const name of this.topology.knownQueues()) {
      const dlq = this.topology.deadLetterQueueOf(name);
      if (dlq) names.add(dlq);
      if (name.endsWith(DEAD_LETTER_SUFFIX)) names.add(name);
    }
    return [...names].sort();
  }

  /** `queue` when it is a dead-letter queue; else its dead-letter queue when `orDeadLetters`; else refused. */
  private async deadLetterQueueOf(queue: string, orDeadLetters: boolean): Promise<string | null> {
    await this.topology.assertExists(queue);
    // A queue named like a dead-letter queue is taken as one even when this process did not declare its source.
    if (queue.endsWith(DEAD_LETTER_SUFFIX) || this.knownDeadLetterQueues().includes(queue)) return queue;
    if (!orDeadLetters) throw new CapabilityNotSupportedError('browseStates', WHY_DEAD_LETTERS_ONLY);
    return (await this.topology.optionsOf(queue)).deadLetterQueue;
  }

  /** Takes up to the browse depth from the queue's head, runs `work`, then gives back what it did not ack. */
  private read<T>(queue: string, work: (messages: GetMessage[], channel: Channel) => T): Promise<T> {
    return this.connection.withChannel(async (channel) => {
      const messages: GetMessage[] = [];
      while (messages.length < DEAD_LETTER_BROWSE_DEPTH) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        messages.push(message);
      }
      return work(messages, channel);
    });
  }
}
