import type { HistoryEvent } from '../../../libs/messaging/testing/faults/index.js';

/**
 * Per value: from its publish returning `ok` to its first delivery (a handler starting), ms: how fast a consumer is
 * woken. Only values `include` accepts (default all).
 */
export function deliveryLatencies(history: readonly HistoryEvent[], include: (value: string) => boolean = () => true): number[] {
  const published = new Map<string, number>();
  const latencies: number[] = [];
  for (const e of history) {
    if (e.f === 'publish' && e.type === 'ok' && include(e.value)) published.set(e.value, e.time);
    else if (e.f === 'deliver' && e.type === 'ok' && published.has(e.value)) {
      latencies.push(e.time - published.get(e.value)!);
      published.delete(e.value);
    }
  }
  return latencies;
}
