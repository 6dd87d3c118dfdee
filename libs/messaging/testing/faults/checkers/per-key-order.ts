import type { HistoryEvent } from '../history.js';

export interface PerKeyOrderResult {
  keys: number;
  /** Deliveries of a key that came after one with a higher seq (first deliveries, by server claim time). */
  reorders: number;
  examples: { key: string; seq: number; after: number }[];
  /** seq positions never delivered, per key, among those below the key's highest delivered seq. */
  gaps: number;
  valid: boolean;
}

/**
 * Per-key order: for each ordering key, the first deliveries of its values, ordered by server claim time (else the
 * recording time), must come in seq order, without gaps.
 */
export function checkPerKeyOrder(history: readonly HistoryEvent[]): PerKeyOrderResult {
  const firsts = new Map<string, HistoryEvent>();
  for (const e of history) {
    if (e.f === 'deliver' && e.type === 'ok' && e.key !== undefined && e.seq !== undefined && !firsts.has(e.value)) firsts.set(e.value, e);
  }
  const byKey = new Map<string, HistoryEvent[]>();
  for (const e of firsts.values()) byKey.set(e.key!, [...(byKey.get(e.key!) ?? []), e]);
  let reorders = 0;
  let gaps = 0;
  const examples: PerKeyOrderResult['examples'] = [];
  for (const [key, events] of byKey) {
    events.sort((a, b) => (a.claimedAt ?? a.time) - (b.claimedAt ?? b.time));
    let highest = -Infinity;
    for (const e of events) {
      if (e.seq! < highest) {
        reorders++;
        if (examples.length < 10) examples.push({ key, seq: e.seq!, after: highest });
      }
      highest = Math.max(highest, e.seq!);
    }
    const seen = new Set(events.map((e) => e.seq!));
    const min = Math.min(...seen);
    for (let s = min; s < highest; s++) if (!seen.has(s)) gaps++;
  }
  return { keys: byKey.size, reorders, examples, gaps, valid: reorders === 0 && gaps === 0 };
}
