import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

export interface HttpServerDefaultsOptions {
  /** Longest time a client may take to send a whole request (headers and body), in ms; then 408. Default 15,000. */
  requestTimeoutMs?: number;
  /** Longest time a client may take to send the headers, in ms. Default 10,000, at most requestTimeoutMs. */
  headersTimeoutMs?: number;
}

/**
 * What every HTTP app of the system sets before it listens: no `x-powered-by` header (it only tells an attacker the
 * framework), and request timeouts, so a client that sends less than its Content-Length gets a 408 and its socket
 * closed instead of holding a connection for Node's default 5 minutes.
 */
export function applyHttpServerDefaults(app: INestApplication, options: HttpServerDefaultsOptions = {}): void {
  const instance = app.getHttpAdapter().getInstance() as { disable?: (setting: string) => void };
  instance.disable?.('x-powered-by');
  const requestTimeout = options.requestTimeoutMs ?? 15_000;
  // connectionsCheckingInterval is a property of the server, though @types/node lists it only among createServer's options.
  const server = app.getHttpServer() as Server & { connectionsCheckingInterval: number };
  server.requestTimeout = requestTimeout;
  server.headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
  // Node checks the two timeouts only this often (30 s by default); it reads the value when the server starts listening.
  server.connectionsCheckingInterval = Math.min(1_000, requestTimeout);
}
