import type { BrowseQuery, DeadLetterFilter, MessageState } from '../driver/admin-types.js';
import { MESSAGE_STATES } from '../driver/admin-types.js';
import type { DeathRecord } from '../message.js';
import { InvalidArgumentError } from '../errors.js';
import { compilePattern } from '../topology/topic-matcher.js';
import { assertKnownFields } from './fields.js';
import { assertMessageId, assertQueueName } from './names.js';
import { assertIntegerInRange } from './numbers.js';

export const BROWSE_DEFAULT_LIMIT = 50;
export const BROWSE_MAX_LIMIT = 500;
/** Most message ids one redrive may name. */
export const MAX_REDRIVE_IDS = 10_000;
const MAX_ERROR_FILTER = 1_000;
const REASONS: readonly DeathRecord['reason'][] = ['rejected', 'expired', 'maxlen', 'delivery_limit'];
const FILTER_FIELDS = ['routingKey', 'errorText', 'reason', 'sourceQueue'] as const;
const QUERY_FIELDS: ReadonlySet<string> = new Set(['state', 'order', 'cursor', 'limit', ...FILTER_FIELDS]);
const FILTER_FIELD_SET: ReadonlySet<string> = new Set(FILTER_FIELDS);

/** A dead-letter filter validated: the routing-key pattern compiled (see topic-matcher.ts), absent fields null. */
export interface ResolvedFilter {
  routingKey: string | null;
  routingKeyRegex: string | null;
  errorText: string | null;
  reason: DeathRecord['reason'] | null;
  sourceQueue: string | null;
}

export interface ResolvedBrowseQuery extends ResolvedFilter {
  state: MessageState | null;
  order: 'oldest' | 'newest';
  cursor: string | null;
  limit: number;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, { option: name, value });
  }
  return value as T;
}

function resolveFilter(filter: DeadLetterFilter): ResolvedFilter {
  if (filter.routingKey !== undefined && typeof filter.routingKey !== 'string') throw new InvalidArgumentError('routingKey must be a topic pattern string', { option: 'routingKey' });
  if (filter.errorText !== undefined && (typeof filter.errorText !== 'string' || filter.errorText.length === 0 || filter.errorText.length > MAX_ERROR_FILTER)) {
    throw new InvalidArgumentError(`errorText must be a string of 1 to ${MAX_ERROR_FILTER} characters`, { option: 'errorText' });
  }
  if (filter.sourceQueue !== undefined) assertQueueName(filter.sourceQueue, 'source queue');
  return {
    routingKey: filter.routingKey ?? null,
    routingKeyRegex: filter.routingKey === undefined ? null : compilePattern(filter.routingKey),
    errorText: filter.errorText ?? null,
    reason: filter.reason === undefined ? null : oneOf('reason', filter.reason, REASONS),
    sourceQueue: filter.sourceQueue ?? null,
  };
}

/** Validates a browse query (InvalidArgumentError on the first bad field) and fills in the defaults. */
export function resolveBrowseQuery(query: BrowseQuery = {}): ResolvedBrowseQuery {
  assertKnownFields(query, QUERY_FIELDS, 'the browse query');
  if (query.cursor !== undefined && (typeof query.cursor !== 'string' || query.cursor.length === 0 || query.cursor.length > 200)) {
    throw new InvalidArgumentError('cursor must be the nextCursor of a previous page', { option: 'cursor' });
  }
  return {
    ...resolveFilter(query),
    state: query.state === undefined ? null : oneOf('state', query.state, MESSAGE_STATES),
    order: query.order === undefined ? 'oldest' : oneOf('order', query.order, ['oldest', 'newest'] as const),
    cursor: query.cursor ?? null,
    limit: assertIntegerInRange('limit', query.limit ?? BROWSE_DEFAULT_LIMIT, 1, BROWSE_MAX_LIMIT),
  };
}

/** What a redrive moves: the ids named (null: any) that pass the filter. */
export interface RedriveSelection extends ResolvedFilter {
  messageIds: string[] | null;
}

export function resolveRedriveSelection(options: { messageIds?: readonly string[]; filter?: DeadLetterFilter }): RedriveSelection {
  const { messageIds, filter } = options;
  if (messageIds !== undefined) {
    if (!Array.isArray(messageIds) || messageIds.length === 0 || messageIds.length > MAX_REDRIVE_IDS) {
      throw new InvalidArgumentError(`messageIds must be an array of 1 to ${MAX_REDRIVE_IDS} message ids`, { option: 'messageIds' });
    }
    messageIds.forEach((id) => assertMessageId(id));
  }
  if (filter !== undefined) {
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) throw new InvalidArgumentError('filter must be an object', { option: 'filter' });
    assertKnownFields(filter, FILTER_FIELD_SET, 'the redrive filter');
  }
  return { ...resolveFilter(filter ?? {}), messageIds: messageIds ? [...messageIds] : null };
}

/** A cursor over a position (a row id, an offset): opaque to callers, refused when not one of ours. */
export function encodeCursor(position: string): string {
  return Buffer.from(`p:${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, valid: RegExp): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('p:') || !valid.test(text.slice(2))) throw new InvalidArgumentError('cursor is not the nextCursor of a previous page', { option: 'cursor' });
  return text.slice(2);
}
