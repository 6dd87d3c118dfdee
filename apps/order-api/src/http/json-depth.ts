/** Deepest nesting of arrays and objects a request body may have; an order needs 3. */
export const MAX_JSON_DEPTH = 32;

/**
 * Refuses a JSON text nested deeper than `maxDepth`, before it is parsed. Deep nesting is cheap to send (30,000
 * levels fit in 60 KB) and overflows the stack of the recursive code that walks the parsed body (class-transformer).
 * One pass over the bytes, skipping strings; runs as body-parser's `verify` hook.
 */
export function assertJsonDepth(body: Buffer, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c) i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > maxDepth) throw new JsonTooDeepError(maxDepth);
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    }
  }
}

/** body-parser passes on the `status` of an error its `verify` hook throws (else it would be a 403). */
class JsonTooDeepError extends Error {
  readonly status = 400;
  constructor(maxDepth: number) {
    super(`the request body is nested more than ${maxDepth} levels deep`);
  }
}
