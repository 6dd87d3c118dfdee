// Parsers for option values: a bad value is commander's InvalidArgumentError, reported as a usage error (exit 2).
import { readFileSync } from 'node:fs';
import { InvalidArgumentError as UsageError } from 'commander';
import { InvalidArgumentError } from '../errors.js';

/** An integer from `min` to `max` (a count, a rate, a delay). */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
      throw new UsageError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return number;
  };
}

/** `--header k=v`, repeatable: collects into one record. */
export function header(value: string, headers: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new UsageError(`expected name=value, got ${JSON.stringify(value)}`);
  return { ...headers, [value.slice(0, at)]: value.slice(at + 1) };
}

/** `--pattern p`, repeatable. */
export function collect(value: string, values: string[] = []): string[] {
  return [...values, value];
}

/** `--ids a,b,c`: the message ids, none empty. */
export function idList(value: string): string[] {
  const ids = value.split(',').map((id) => id.trim());
  if (ids.some((id) => id === '')) throw new UsageError(`expected comma-separated message ids, got ${JSON.stringify(value)}`);
  return [...new Set(ids)];
}

/** A payload given inline as JSON, as `@file` (JSON in a file), or `-` (JSON on stdin); read in the action, so a library error. */
export function readPayload(source: string, stdin: () => string = () => readFileSync(0, 'utf8')): unknown {
  let text: string;
  let from: string;
  if (source === '-') {
    text = stdin();
    from = 'stdin';
  } else if (source.startsWith('@')) {
    from = source.slice(1);
    try {
      text = readFileSync(from, 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`Cannot read the payload file ${JSON.stringify(from)}: ${(error as Error).message}`, { file: from });
    }
  } else {
    text = source;
    from = 'The payload argument';
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`${from} is not JSON (${(error as Error).message}); quote a string payload as '"text"'`, {});
  }
}
