import { InvalidArgumentError } from '../../errors.js';
import { assertMessageId, assertPattern, assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import { ADMIN_LIMITS } from '../admin-options.js';
import type { RedriveFilter } from '../broker-administration.js';
import { bodyObject, optionalText } from '../http/request-input.js';

/** What POST /redrives asks for: all of `from`'s dead letters, the ones named, or those a filter selects. */
export interface RedriveRequest {
  from: string;
  /** Default: back to the queue each died in. */
  to?: string;
  messageIds?: string[];
  filter?: RedriveFilter;
  /** Pace, messages per second (at most 1,000). Default: as fast as the broker goes. */
  ratePerSecond?: number;
  /** Most messages to move. Default all. */
  limit?: number;
}

const REASONS = ['rejected', 'expired', 'maxlen', 'delivery_limit'] as const;

function parseFilter(value: unknown): RedriveFilter {
  const fields = bodyObject(value, ['routingKey', 'errorText', 'reason', 'sourceQueue']);
  const filter: RedriveFilter = {};
  if (fields.routingKey !== undefined) {
    assertPattern(fields.routingKey);
    filter.routingKey = fields.routingKey;
  }
  const errorText = optionalText('filter.errorText', fields.errorText, 500);
  if (errorText !== undefined) filter.errorText = errorText;
  if (fields.reason !== undefined) {
    if (!REASONS.includes(fields.reason as (typeof REASONS)[number])) throw new InvalidArgumentError(`filter.reason must be one of ${REASONS.join(', ')}`, { option: 'filter.reason' });
    filter.reason = fields.reason as RedriveFilter['reason'];
  }
  if (fields.sourceQueue !== undefined) {
    assertQueueName(fields.sourceQueue, 'filter.sourceQueue');
    filter.sourceQueue = fields.sourceQueue;
  }
  return filter;
}

function parseMessageIds(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > ADMIN_LIMITS.maxRedriveMessageIds) {
    throw new InvalidArgumentError(`messageIds must be a list of 1 to ${ADMIN_LIMITS.maxRedriveMessageIds} message ids`, { option: 'messageIds' });
  }
  for (const id of value) assertMessageId(id);
  return [...new Set(value as string[])];
}

/** Checks a POST /redrives body; a 400 names the field. */
export function parseRedriveRequest(body: unknown): RedriveRequest {
  const fields = bodyObject(body, ['from', 'to', 'messageIds', 'filter', 'ratePerSecond', 'limit']);
  assertQueueName(fields.from, 'from (the dead-letter queue)');
  const request: RedriveRequest = { from: fields.from };
  if (fields.to !== undefined && fields.to !== null) {
    assertQueueName(fields.to, 'to');
    request.to = fields.to;
  }
  if (fields.messageIds !== undefined && fields.filter !== undefined) throw new InvalidArgumentError('Give messageIds or a filter, not both', { option: 'messageIds' });
  if (fields.messageIds !== undefined) request.messageIds = parseMessageIds(fields.messageIds);
  if (fields.filter !== undefined) request.filter = parseFilter(fields.filter);
  if (fields.ratePerSecond !== undefined) request.ratePerSecond = assertIntegerInRange('ratePerSecond', fields.ratePerSecond, 1, ADMIN_LIMITS.maxRedrivePerSecond);
  if (fields.limit !== undefined) request.limit = assertIntegerInRange('limit', fields.limit, 1, 100_000_000);
  return request;
}
