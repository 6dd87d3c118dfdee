import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import type { PublishColumns } from './publish-columns.js';
import { assertKnownFields } from '../validation/fields.js';
import { assertHeaders, assertMessageId, assertRoutingKey } from '../validation/names.js';
import { serializePayload } from '../validation/payload.js';
import { deliveryTime } from './delivery-time.js';
import type { OutgoingMessage } from '../message.js';

/** Messages per publish statement: unnest arrays keep one round trip per batch; larger calls are split. */
export const MAX_PUBLISH_BATCH = 5000;

/** The fields of an OutgoingMessage; anything else is refused, not ignored. */
export const MESSAGE_FIELDS: ReadonlySet<string> = new Set(['routingKey', 'payload', 'messageId', 'headers', 'delayMs', 'deliverAt']);

/**
 * Validates every message of a publish call before anything is written, and turns them into the parallel arrays
 * the statements `unnest`. Throws the first problem found as a typed error.
 */
export function messageColumns(messages: readonly OutgoingMessage[], maxPayloadBytes: number, fields = MESSAGE_FIELDS): PublishColumns {
  if (!Array.isArray(messages)) throw new InvalidArgumentError('publish expects a message or an array of messages', {});
  const columns: PublishColumns = { messageIds: [], routingKeys: [], payloads: [], headers: [], delaysMs: [], deliverAts: [] };
  for (const message of messages) {
    if (message === null || typeof message !== 'object') throw new InvalidArgumentError('A message must be an object', {});
    assertKnownFields(message, fields, 'a message');
    const { routingKey, payload, messageId = randomUUID(), headers = {} } = message;
    assertRoutingKey(routingKey);
    assertMessageId(messageId);
    assertHeaders(headers);
    const { delayMs, deliverAt } = deliveryTime(message, { messageId });
    columns.messageIds.push(messageId);
    columns.routingKeys.push(routingKey);
    columns.payloads.push(serializePayload(payload, maxPayloadBytes));
    columns.headers.push(JSON.stringify(headers));
    columns.delaysMs.push(delayMs);
    columns.deliverAts.push(deliverAt);
  }
  return columns;
}

/** Splits columns into chunks of at most `size` messages, each with the offset of its first message. */
export function chunkColumns<C extends PublishColumns>(columns: C, size: number): [number, C][] {
  const parts: [number, C][] = [];
  for (let offset = 0; offset < columns.messageIds.length; offset += size) {
    const part = Object.fromEntries(Object.entries(columns).map(([key, values]) => [key, (values as unknown[]).slice(offset, offset + size)]));
    parts.push([offset, part as unknown as C]);
  }
  return parts;
}
