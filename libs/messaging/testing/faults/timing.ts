import type { HistoryEvent, OpName } from './history.js';

/** The p-th percentile (0-100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Per value: from its publish `invoke` to its first accepted ack, ms (end-to-end latency). */
export function publishToAckLatencies(history: readonly HistoryEvent[]): number[] {
  const published = new Map<string, number>();
  const done = new Set<string>();
  const latencies: number[] = [];
  for (const e of history) {
    if (e.f === 'publish' && e.type === 'invoke' && !published.has(e.value)) published.set(e.value, e.time);
    if (e.f === 'ack' && e.type === 'ok' && !done.has(e.value) && published.has(e.value)) {
      done.add(e.value);
      latencies.push(e.time - published.get(e.value)!);
    }
  }
  return latencies;
}

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

/** p50 and p99 of the samples, rounded to 0.1 ms. */
export function latencySummary(samples: readonly number[]): { p50: number; p99: number } {
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)) };
}

/** Time of the first event of this kind that succeeded at or after `since` (e.g. the first claim after a restart). */
export function firstOkAfter(history: readonly HistoryEvent[], since: number, f: OpName = 'deliver'): number | undefined {
  return history.find((e) => e.f === f && e.type === 'ok' && e.time >= since)?.time;
}

/** Recovery after a fault ended at `faultEnd`: seconds to the first successful claim and to the drained backlog. */
export function recoverySeconds(history: readonly HistoryEvent[], faultEnd: number, drainedAt: number): { firstClaim: number; drained: number } {
  const first = firstOkAfter(history, faultEnd, 'deliver');
  const round = (ms: number) => Math.round(ms / 10) / 100;
  return { firstClaim: first === undefined ? NaN : round(first - faultEnd), drained: round(drainedAt - faultEnd) };
}
