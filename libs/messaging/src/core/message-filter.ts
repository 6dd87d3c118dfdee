import type { DeathRecord } from '../message.js';
import { topicMatches } from '../topology/topic-matcher.js';
import type { ResolvedFilter } from '../validation/browse-query.js';

/** What a filter looks at in a message. */
export interface FilteredFields {
  messageId: string;
  routingKey: string;
  lastError: string | null;
  deaths: readonly DeathRecord[];
}

/**
 * Whether a message passes a dead-letter filter (and is one of `messageIds` when given): for drivers that filter
 * in the process, with the rules the PostgreSQL driver applies in SQL.
 */
export function matchesFilter(filter: ResolvedFilter, message: FilteredFields, messageIds: ReadonlySet<string> | null = null): boolean {
  const latest = message.deaths[0];
  if (messageIds && !messageIds.has(message.messageId)) return false;
  if (filter.routingKey !== null && !topicMatches(filter.routingKey, message.routingKey)) return false;
  if (filter.errorText !== null && !(message.lastError ?? '').toLowerCase().includes(filter.errorText.toLowerCase())) return false;
  if (filter.reason !== null && latest?.reason !== filter.reason) return false;
  if (filter.sourceQueue !== null && latest?.queue !== filter.sourceQueue) return false;
  return true;
}
