import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { assertJsonDepth } from './json-depth.js';

/** Largest request body, in bytes of JSON: beyond it the API answers 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * JSON.parse's reviver: refuses the keys that poison prototypes when a parsed object is later merged or copied
 * (`__proto__`, and `constructor` holding a `prototype`), as Fastify's secure-json-parse does by default. It sees
 * keys after JSON unescaping, so `"\u005f_proto__"` is caught too. It costs a call per value: bounded by the
 * 64 KB body.
 */
function refusePrototypeKeys(this: unknown, key: string, value: unknown): unknown {
  // body-parser answers 400 with the message of what the parser throws.
  if (key === '__proto__') throw new Error('the request body may not hold a "__proto__" key');
  if (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype')) {
    throw new Error('the request body may not hold a "constructor" key with a "prototype"');
  }
  return value;
}

/**
 * body-parser's JSON options for the API: the size limit, the depth check before parsing, no prototype keys, and
 * no compressed bodies (`inflate: false`: any Content-Encoding but identity is a 415, so a gzip, deflate or brotli
 * bomb is never inflated; with inflation on, the limit applies to the inflated bytes, but every request would
 * still cost a decompressor).
 */
export const JSON_BODY_OPTIONS = {
  limit: MAX_BODY_BYTES,
  inflate: false,
  reviver: refusePrototypeKeys,
  verify: (_req: unknown, _res: unknown, body: Buffer) => assertJsonDepth(body),
};

/**
 * Runs before the body parser: a request that has a body must send it as `application/json` in UTF-8 (RFC 8259
 * §8.1), uncompressed, else 415, rather than being read as an empty order (a 400 listing every field). A
 * Content-Length over the limit is a 413 at once: body-parser would first read, and discard, the whole declared body.
 */
export function requireJsonBody(req: IncomingMessage, res: ServerResponse, next: (error?: Error) => void): void {
  const declared = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (declared !== undefined && declared !== '0');
  if (!hasBody) return next();
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== 'identity') {
    return next(new UnsupportedMediaTypeException(`content encoding unsupported: send the body uncompressed, not ${JSON.stringify(encoding.slice(0, 40))}`));
  }
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) {
    res.setHeader('connection', 'close');
    return next(new PayloadTooLargeException(`request entity too large: the limit is ${MAX_BODY_BYTES} bytes`));
  }
  const [mediaType, ...parameters] = (req.headers['content-type'] ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') {
    return next(new UnsupportedMediaTypeException('the request body must be JSON: send it with Content-Type: application/json'));
  }
  const charset = parameters.map((p) => /^\s*charset\s*=\s*"?([^";\s]*)/i.exec(p)?.[1]).find((c) => c !== undefined);
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    return next(new UnsupportedMediaTypeException(`the request body must be UTF-8 JSON, not charset ${JSON.stringify(charset.slice(0, 40))}`));
  }
  next();
}
