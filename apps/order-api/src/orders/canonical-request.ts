import { createHash } from 'node:crypto';
import type { CreateOrderDto } from './create-order.dto.js';

/**
 * The fingerprint an Idempotency-Key is bound to: SHA-256 of the order as the API understood it, not of the bytes
 * sent. Two requests that mean the same order get the same fingerprint whatever the order of their keys or the
 * spelling of their amounts ("1.00", "1.0" and 1 are 100 cents of EUR); any difference that changes the order
 * (another amount, item, line order, currency, customer or email) gives another. The customer is the caller's
 * (the token's `sub`): keys are already scoped per customer, and keeping it here too means a hash is never
 * compared across customers by mistake. `prices` are the validated unit prices in minor units, one per item. The
 * field order is fixed here, so JSON.stringify's output is canonical (the same as when customerId came in the body,
 * so stored v2 fingerprints still compare).
 */
export function orderRequestFingerprint(customerId: string, dto: CreateOrderDto, prices: readonly bigint[]): string {
  const canonical = {
    customerId,
    email: dto.email,
    currency: dto.currency,
    items: dto.items.map((item, i) => ({ sku: item.sku, quantity: item.quantity, unitPriceMinor: prices[i].toString() })),
  };
  return `v2:${createHash('sha256').update(JSON.stringify(canonical)).digest('hex')}`;
}
