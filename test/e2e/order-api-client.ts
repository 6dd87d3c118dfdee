import { setTimeout as pause } from 'node:timers/promises';
import { bearer } from '../../apps/order-api/test/customer-tokens.js';
import type { RunningSystem } from '../../scripts/system/start-system.js';

/** Where a launched system's order API is and how its tokens are signed. */
export type OrderApi = Pick<RunningSystem, 'orderApiUrl' | 'orderApiAuth'>;

/**
 * Every request the system tests send to the order API goes through this one function, so that the header the API
 * needs (the customer's bearer token, signed with the system's key) is added in one place.
 */
export function orderApiFetch(api: OrderApi, customerId: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${api.orderApiUrl}${path}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...bearer(customerId, api.orderApiAuth) } });
}

/** How a client's attempts to place one order ended (Jepsen's ok / fail / info). */
export interface PlacedOrder {
  outcome: 'ok' | 'fail' | 'info';
  orderId?: string;
  attempts: number;
  /** The last HTTP status, or the error of the last attempt. */
  last: string;
}

/**
 * POSTs `customerId`'s order with an Idempotency-Key, as a careful client does: a timeout, a connection error or a 5xx is
 * retried with the same key and body until `deadlineMs` has passed (then the outcome is unknown: `info`); a 201 is
 * `ok`, another 4xx a definite `fail`.
 */
export async function placeOrderWithRetries(
  api: OrderApi,
  customerId: string,
  key: string,
  body: unknown,
  options: { attemptTimeoutMs?: number; deadlineMs?: number; retryPauseMs?: number } = {},
): Promise<PlacedOrder> {
  const { attemptTimeoutMs = 5_000, deadlineMs = 60_000, retryPauseMs = 250 } = options;
  const giveUpAt = Date.now() + deadlineMs;
  let last = '';
  for (let attempts = 1; ; attempts++) {
    try {
      const response = await orderApiFetch(api, customerId, '/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      last = String(response.status);
      if (response.status === 201) return { outcome: 'ok', orderId: ((await response.json()) as { id: string }).id, attempts, last };
      await response.text();
      if (response.status < 500 && response.status !== 408) return { outcome: 'fail', attempts, last };
    } catch (error) {
      last = (error as Error).name === 'TimeoutError' ? 'timeout' : (error as Error).message;
    }
    if (Date.now() >= giveUpAt) return { outcome: 'info', attempts, last };
    await pause(retryPauseMs); // pacing of the retries, not a wait for an outcome
  }
}
