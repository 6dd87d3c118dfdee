import { ADMIN_LIMITS } from '../admin-options.js';
import type { AdminBroker } from '../broker-administration.js';
import type { RedriveRequest } from './redrive-request.js';

/** Counting past this many pages of a filter would take longer than starting the job should. */
const MAX_COUNT_PAGES = 200;

/**
 * How many dead letters a redrive selects now: the named ids, every message of the queue, or those the filter
 * keeps (counted page by page, up to the limit asked for).
 */
export async function countSelected(broker: AdminBroker, request: RedriveRequest): Promise<number> {
  if (request.messageIds) return request.messageIds.length;
  if (!request.filter) {
    const stats = await broker.queueStats(request.from);
    return stats.ready + stats.delayed + stats.leased + stats.leaseExpired;
  }
  let count = 0;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_COUNT_PAGES; page++) {
    const result = await broker.browseMessages(request.from, { ...request.filter, limit: ADMIN_LIMITS.maxPageSize, ...(cursor ? { cursor } : {}) });
    count += result.messages.length;
    if (!result.nextCursor || count >= (request.limit ?? Infinity)) break;
    cursor = result.nextCursor;
  }
  return count;
}
