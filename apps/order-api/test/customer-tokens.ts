import { randomBytes } from 'node:crypto';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, type OrderApiAuthConfig } from '../src/auth/auth-config.js';
import { signCustomerToken } from '../src/auth/customer-token.js';

/**
 * The one place tests get the order API's bearer tokens from: a key made for this test run (give it to the app's
 * config as `auth`, or take the launcher's `system.orderApiAuth`), and the Authorization header of a customer.
 */
export const TEST_AUTH: OrderApiAuthConfig = { secret: randomBytes(32).toString('base64url'), audience: DEFAULT_JWT_AUDIENCE, issuer: DEFAULT_JWT_ISSUER };

/** `{ authorization: 'Bearer <jwt>' }` for `customerId`, signed with `auth` (default TEST_AUTH). */
export function bearer(customerId: string, auth: OrderApiAuthConfig = TEST_AUTH, options: { expiresInSeconds?: number } = {}): { authorization: string } {
  return { authorization: `Bearer ${signCustomerToken(auth, customerId, options)}` };
}
