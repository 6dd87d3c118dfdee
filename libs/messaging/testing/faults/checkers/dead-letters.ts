import type { Fate } from '../fates.js';
import type { HistoryEvent } from '../history.js';

export interface DeadLetterResult {
  deadLettered: number;
  byFate: Record<Fate, { acknowledged: number; completed: number; deadLettered: number }>;
  /** Acknowledged values both completed and dead-lettered. */
  both: string[];
  /** Acknowledged values neither completed nor dead-lettered. */
  neither: string[];
  /** flaky or normal values in the dead-letter queue. */
  normalDead: string[];
  /** poison or crasher values that completed. */
  poisonCompleted: string[];
  /** Values in the dead-letter queue more than once. */
  duplicates: string[];
  /** Values in the dead-letter queue never published. */
  unknown: string[];
  /** Dead-lettered values not claimed exactly maxAttempts times (when maxAttempts is given). */
  wrongAttempts: { value: string; claims: number }[];
  valid: boolean;
}

/**
 * The W7 dead-letter rules (reliability.md §1.3): every acknowledged publish ends exactly once, completed (an
 * accepted ack) XOR dead-lettered; normal values never die; poison never completes; the dead-letter queue has no
 * duplicates and no unknown values; and, given maxAttempts, a dead letter was claimed exactly that many times.
 */
export function checkDeadLetters(
  history: readonly HistoryEvent[],
  deadLettered: readonly string[],
  fateOf: (value: string) => Fate,
  options: { maxAttempts?: number } = {},
): DeadLetterResult {
  const attempted = new Set<string>();
  const acknowledged = new Set<string>();
  const completed = new Set<string>();
  const claims = new Map<string, number>();
  for (const e of history) {
    if (e.f === 'publish' && e.type === 'invoke') attempted.add(e.value);
    if (e.f === 'publish' && e.type === 'ok') acknowledged.add(e.value);
    if (e.f === 'ack' && e.type === 'ok') completed.add(e.value);
    if (e.f === 'deliver' && e.type === 'ok') claims.set(e.value, (claims.get(e.value) ?? 0) + 1);
  }
  const dlqCounts = new Map<string, number>();
  for (const value of deadLettered) dlqCounts.set(value, (dlqCounts.get(value) ?? 0) + 1);
  const dead = new Set(dlqCounts.keys());

  const fates: Fate[] = ['poison', 'crasher', 'flaky', 'normal'];
  const byFate = Object.fromEntries(fates.map((f) => [f, { acknowledged: 0, completed: 0, deadLettered: 0 }])) as DeadLetterResult['byFate'];
  for (const v of acknowledged) byFate[fateOf(v)].acknowledged++;
  for (const v of completed) if (attempted.has(v)) byFate[fateOf(v)].completed++;
  for (const v of dead) if (attempted.has(v)) byFate[fateOf(v)].deadLettered++;

  const isBad = (v: string) => fateOf(v) === 'poison' || fateOf(v) === 'crasher';
  const result = {
    deadLettered: deadLettered.length,
    byFate,
    both: [...acknowledged].filter((v) => completed.has(v) && dead.has(v)),
    neither: [...acknowledged].filter((v) => !completed.has(v) && !dead.has(v)),
    normalDead: [...dead].filter((v) => attempted.has(v) && !isBad(v)),
    poisonCompleted: [...completed].filter((v) => attempted.has(v) && isBad(v)),
    duplicates: [...dlqCounts].filter(([, n]) => n > 1).map(([v]) => v),
    unknown: [...dead].filter((v) => !attempted.has(v)),
    wrongAttempts:
      options.maxAttempts === undefined ? [] : [...dead].map((value) => ({ value, claims: claims.get(value) ?? 0 })).filter((c) => c.claims !== options.maxAttempts),
  };
  const valid = [result.both, result.neither, result.normalDead, result.poisonCompleted, result.duplicates, result.unknown, result.wrongAttempts].every((list) => list.length === 0);
  return { ...result, valid };
}
