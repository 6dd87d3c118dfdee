import { InvalidArgumentError } from '../errors.js';

/** Throws InvalidArgumentError (with `details`, e.g. the message id) unless `value` is an integer from `min` to `max`; returns it. */
export function assertIntegerInRange(name: string, value: unknown, min: number, max: number, details: Record<string, unknown> = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`, { ...details, option: name, value });
  }
  return value;
}
