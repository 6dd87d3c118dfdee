import { InvalidArgumentError } from '../errors.js';
import { MAX_DELAY_MS } from '../limits.js';
import { assertIntegerInRange } from '../validation/numbers.js';

/** A delay as the statements take it: at most one of the two is set. */
export interface DeliveryTime {
  delayMs: number | null;
  deliverAt: Date | null;
}

/**
 * Checks a `delayMs` / `deliverAt` pair (a message's or a nack's): at most one of them, a delay an integer from 0 to
 * `maxMs` (default 7 days), a time a valid Date at most that far ahead (a past time means now).
 */
export function deliveryTime(
  options: { delayMs?: number; deliverAt?: Date },
  details: Record<string, unknown> = {},
  maxMs = MAX_DELAY_MS,
): DeliveryTime {
  const { delayMs, deliverAt } = options;
  if (delayMs !== undefined && deliverAt !== undefined) {
    throw new InvalidArgumentError('Give delayMs or deliverAt, not both', details);
  }
  if (delayMs !== undefined) assertIntegerInRange('delayMs', delayMs, 0, maxMs, details);
  if (deliverAt !== undefined) {
    if (!(deliverAt instanceof Date) || Number.isNaN(deliverAt.getTime())) {
      throw new InvalidArgumentError(`deliverAt must be a valid Date, got ${String(deliverAt)}`, details);
    }
    if (deliverAt.getTime() - Date.now() > maxMs) {
      throw new InvalidArgumentError(`deliverAt must be at most ${maxMs} ms ahead, got ${deliverAt.toISOString()}`, details);
    }
  }
  return { delayMs: delayMs ?? null, deliverAt: deliverAt ?? null };
}
