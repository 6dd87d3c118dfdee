import { InvalidArgumentError } from '../../errors.js';
import { assertIntegerInRange } from '../../validation/numbers.js';

/** A whole number from a query string (`undefined` when absent); anything else is a 400. */
export function queryInteger(name: string, text: unknown, min: number, max: number): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, in digits`, { option: name });
  return assertIntegerInRange(name, Number(text), min, max);
}

/** One of the listed values, or undefined when absent. */
export function queryChoice<T extends string>(name: string, text: unknown, choices: readonly T[]): T | undefined {
  if (text === undefined || text === '') return undefined;
  if (typeof text !== 'string' || !choices.includes(text as T)) throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}`, { option: name });
  return text as T;
}

/** A string up to `maxLength`, or undefined when absent. */
export function optionalText(name: string, value: unknown, maxLength: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > maxLength) throw new InvalidArgumentError(`${name} must be text of at most ${maxLength} characters`, { option: name });
  return value;
}

/** A JSON body that is an object whose keys are all among `allowed`. */
export function bodyObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('The body must be a JSON object', {});
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new InvalidArgumentError(`Unknown field(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`, { fields: unknown });
  return body as Record<string, unknown>;
}
