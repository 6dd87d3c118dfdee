import type { HistoryEvent } from '../history.js';

/** One row of a workload's effects table: the value whose handler wrote it. */
export interface EffectRow {
  value: string;
  messageId?: string;
}

export interface EffectsResult {
  effects: number;
  /** Effects beyond the first of a value (must be 0 with the inbox). */
  duplicateEffects: number;
  duplicatedValues: string[];
  /** Effects of values never published. */
  phantoms: string[];
  /** Values that should have had an effect (`expected`) and have none. */
  missing: string[];
  /** Handler runs the inbox skipped as already processed (history `effect` `fail` with error 'duplicate'). */
  duplicatesDetected: number;
  valid: boolean;
}

/**
 * The W5 pipeline rules (reliability.md §1.3) over the effects actually committed: at most one per value, none for a
 * value never published, and one for every value in `expected` (e.g. the acknowledged normal values).
 */
export function checkEffects(rows: readonly EffectRow[], history: readonly HistoryEvent[], options: { expected?: Iterable<string> } = {}): EffectsResult {
  const attempted = new Set(history.filter((e) => e.f === 'publish' && e.type === 'invoke').map((e) => e.value));
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.value, (counts.get(row.value) ?? 0) + 1);
  const duplicatedValues = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  const phantoms = [...counts.keys()].filter((v) => !attempted.has(v));
  const missing = [...(options.expected ?? [])].filter((v) => !counts.has(v));
  return {
    effects: rows.length,
    duplicateEffects: [...counts.values()].reduce((sum, n) => sum + n - 1, 0),
    duplicatedValues,
    phantoms,
    missing,
    duplicatesDetected: history.filter((e) => e.f === 'effect' && e.type === 'fail' && e.error === 'duplicate').length,
    valid: duplicatedValues.length === 0 && phantoms.length === 0 && missing.length === 0,
  };
}
