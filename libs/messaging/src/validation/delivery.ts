import { InvalidArgumentError } from '../errors.js';
import type { Delivery } from '../message.js';

/** A message row id: a positive bigint, as text. */
const ROW_ID = /^[1-9]\d{0,18}$/;
const MAX_ROW_ID = 2n ** 63n - 1n;
/** A lease token: a UUID as gen_random_uuid() writes it (any case). */
const LEASE_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value);

/**
 * Checks that a delivery handed to ack, nack, extendLease or release is one a claim could have returned, so a
 * malformed one is an InvalidArgumentError before anything is sent (not PostgreSQL's "invalid input syntax").
 */
export function assertHeldDeliveries(deliveries: readonly Pick<Delivery, 'id' | 'leaseToken'>[]): void {
  if (!Array.isArray(deliveries)) throw new InvalidArgumentError('Expected an array of deliveries', {});
  for (const delivery of deliveries) {
    if (delivery === null || typeof delivery !== 'object') throw new InvalidArgumentError('A delivery must be an object from claim or consume', {});
    const { id, leaseToken } = delivery;
    if (typeof id !== 'string' || !ROW_ID.test(id) || (id.length === 19 && BigInt(id) > MAX_ROW_ID)) {
      throw new InvalidArgumentError(`Invalid delivery id ${show(id)}: expected the id a claim returned (a positive integer as text)`, { id });
    }
    if (typeof leaseToken !== 'string' || !LEASE_TOKEN.test(leaseToken)) {
      const why = leaseToken === '' ? 'it holds no lease (was it read with browse rather than claimed?)' : 'expected the UUID a claim returned';
      throw new InvalidArgumentError(`Invalid lease token ${show(leaseToken)} of delivery ${id}: ${why}`, { id });
    }
  }
}
