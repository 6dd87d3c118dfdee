import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { bearer } from '../customer-tokens.js';

// Response bodies are checked field by field: a loose type keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface HostileResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Json;
}

export interface HostileRequest {
  method?: string;
  /** Path and query, sent as they are (no encoding): `/orders?limit=1&limit=2`. */
  path: string;
  headers?: Record<string, string | number>;
  /** A string or Buffer is sent whole; an iterable of chunks is streamed (chunked unless a content-length is given). */
  body?: string | Buffer | Iterable<Buffer> | AsyncIterable<Buffer>;
  /**
   * The customer whose bearer token is sent (default HOSTILE_CUSTOMER); null sends no Authorization header. An
   * `authorization` in `headers` replaces the token.
   */
  caller?: string | null;
}

/** The customer the hostile suites call the API as, unless a request names another. */
export const HOSTILE_CUSTOMER = 'cust-hostile';

/**
 * Headers every request of the hostile suites carries: the one place a caller's credentials go. The bearer token
 * of `customerId`, signed with the tests' key (TEST_AUTH, which the fixtures give the API).
 */
export function callerHeaders(customerId: string = HOSTILE_CUSTOMER): Record<string, string> {
  return bearer(customerId);
}

/**
 * One HTTP request over its own connection, with full control of what is sent (fetch refuses some of it and
 * cannot stop streaming a body when the server has already answered). A server that answers before the whole body
 * is sent and closes the socket is not an error: its answer is returned.
 */
export function send(base: string, { method = 'GET', path, headers = {}, body, caller }: HostileRequest): Promise<HostileResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let settled = false;
    let response: HostileResponse | undefined;
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { connection: 'close', ...(caller === null ? {} : callerHeaders(caller)), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: Json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          response = { status: res.statusCode ?? 0, headers: res.headers, text, json };
          settled = true;
          resolve(response);
        });
        res.on('error', (error) => (settled ? undefined : reject(error)));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE / ECONNRESET while still writing a body the server refused: wait for its answer, else fail.
      if (settled) return;
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') setTimeout(() => (settled ? undefined : reject(error)), 2_000);
      else reject(error);
    });
    void (async () => {
      try {
        if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
          req.end(body);
          return;
        }
        for await (const chunk of body as AsyncIterable<Buffer>) {
          if (req.destroyed || settled) return;
          if (!req.write(chunk)) await new Promise<void>((resolve) => {
            const done = () => {
              req.off('drain', done);
              req.off('close', done);
              resolve();
            };
            req.once('drain', done);
            req.once('close', done);
          });
        }
        req.end();
      } catch (error) {
        req.destroy(error as Error);
      }
    })();
  });
}

/** `count` chunks of `chunkBytes` bytes: a body streamed without ever being held whole. */
export function* chunks(count: number, chunkBytes: number, fill = 'a'): Generator<Buffer> {
  const chunk = Buffer.alloc(chunkBytes, fill);
  for (let i = 0; i < count; i++) yield chunk;
}

/**
 * What a response body must never hold: a stack frame, a source or file path, SQL, the names of the service's
 * tables, or PostgreSQL's own error text.
 */
export const LEAK = new RegExp(
  [
    String.raw`\s+at\s+\S+\s+\(`,
    String.raw`\bat\s+[\w.<>]+\s+\(?(file:|node:|\/)`,
    String.raw`\.(ts|js|mjs|cjs):\d+`,
    String.raw`(^|[\s"'(])\/(home|work|usr|tmp|var|app|opt|root|srv)\/`,
    'node_modules',
    String.raw`\b(SELECT|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|RETURNING|ON\s+CONFLICT)\b`,
    String.raw`\b(order_items|idempotency_keys|outbox|inbox|request_hash|total_minor|unit_price_minor)\b`,
    String.raw`\bQueryFailedError\b|\bduplicate key\b|\bviolates\b|\bSQLSTATE\b|\brelation\s+"`,
    String.raw`"stack"`,
  ].join('|'),
  'i',
);
