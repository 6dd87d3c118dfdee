import type { MsPattern } from '@nestjs/microservices';
import { InvalidNameError } from '../errors.js';

/** A key or value of an object pattern: one routing-key word, no wildcard. */
const WORD = /^[A-Za-z0-9_:-]+$/;

/**
 * The routing key of a Nest pattern. A string is itself. An object pattern (`@MessagePattern({ cmd: 'sum' })`) is
 * matched exactly, as Nest's transports match its JSON form; here its keys, sorted as Nest sorts them, and values
 * become words: `{ cmd: 'sum', v: 2 }` is `cmd.sum.v.2` (so the request queue is `rpc.cmd.sum.v.2`). Keys and values
 * must be single words (letters, digits, '_', '-', ':'), so that no two object patterns share a key and none is a
 * wildcard; nested objects are refused.
 */
export function patternRoute(pattern: MsPattern): string {
  if (typeof pattern === 'string') return pattern;
  if (typeof pattern === 'number') return String(pattern);
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) {
    throw new InvalidNameError(`A pattern must be a string or a flat object, got ${typeof pattern}`, {});
  }
  const keys = Object.keys(pattern).sort((a, b) => a.localeCompare(b));
  const words: string[] = [];
  for (const key of keys) {
    const value = (pattern as Record<string, unknown>)[key];
    const text = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
    if (!WORD.test(key) || text === null || !WORD.test(text)) {
      throw new InvalidNameError(
        `Object pattern ${JSON.stringify(pattern)} cannot become a routing key: use a flat object whose keys and values are single words ` +
          `(letters, digits, '_', '-', ':'), e.g. { cmd: 'sum' } routes as 'cmd.sum'`,
        { pattern },
      );
    }
    words.push(key, text);
  }
  if (words.length === 0) throw new InvalidNameError('An object pattern needs at least one key', {});
  return words.join('.');
}
