import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A payment provider simulator for development, the demo and the tests: `POST /charges` with an `Idempotency-Key`
 * header and `{ amount, currency, customerId, reference }`. The outcome is deterministic: a customerId starting with
 * `decline-` is declined ("card_declined"); other charges succeed, unless `declineRate` is set, then that fraction
 * is declined at random. A repeated Idempotency-Key returns the first answer (like Stripe), and a repeat with another
 * body is a 409. `latencyMs` delays every answer.
 */
export interface PaymentProviderOptions {
  port?: number;
  host?: string;
  latencyMs?: number;
  declineRate?: number;
}

export interface Charge {
  id: string;
  status: 'succeeded' | 'declined';
  reason?: string;
  amount: string;
  currency: string;
  customerId: string;
  reference: string;
}

export interface RunningPaymentProvider {
  url: string;
  /** Every charge made, in order (repeats of a key are not new charges). */
  charges: Charge[];
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

export async function startPaymentProvider(options: PaymentProviderOptions = {}): Promise<RunningPaymentProvider> {
  const charges: Charge[] = [];
  const byKey = new Map<string, { body: string; status: number; response: unknown }>();
  const declineRate = options.declineRate ?? 0;
  if (!(declineRate >= 0 && declineRate <= 1)) throw new Error(`declineRate must be from 0 to 1, got ${declineRate}`);

  const answer = (res: ServerResponse, status: number, body: unknown) =>
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)), options.latencyMs ?? 0);

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (req.method === 'GET' && req.url === '/health') return answer(res, 200, { status: 'ok' });
    if (req.method === 'GET' && req.url === '/charges') return answer(res, 200, charges);
    if (req.method !== 'POST' || req.url !== '/charges') return answer(res, 404, { error: 'not_found' });
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) return answer(res, 400, { error: 'idempotency_key_required' });
    const previous = byKey.get(key);
    if (previous) return previous.body === raw ? answer(res, previous.status, previous.response) : answer(res, 409, { error: 'idempotency_key_reused' });
    let body: { amount?: unknown; currency?: unknown; customerId?: unknown; reference?: unknown };
    try {
      body = JSON.parse(raw);
    } catch {
      return answer(res, 400, { error: 'invalid_json' });
    }
    const { amount, currency, customerId, reference } = body;
    if (typeof amount !== 'string' || !/^\d+(\.\d+)?$/.test(amount) || typeof currency !== 'string' || typeof customerId !== 'string' || typeof reference !== 'string') {
      return answer(res, 400, { error: 'invalid_request' });
    }
    const declined = customerId.startsWith('decline-') || (declineRate > 0 && Math.random() < declineRate);
    const charge: Charge = {
      id: `ch_${randomUUID()}`,
      status: declined ? 'declined' : 'succeeded',
      ...(declined ? { reason: 'card_declined' } : {}),
      amount,
      currency,
      customerId,
      reference,
    };
    charges.push(charge);
    byKey.set(key, { body: raw, status: 201, response: charge });
    return answer(res, 201, charge);
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
      if (raw.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    charges,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
