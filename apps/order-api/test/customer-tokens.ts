import { createHmac, randomBytes } from 'node:crypto';
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

const nowSeconds = () => Math.floor(Date.now() / 1000);
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a valid token of cust-a, overridden by `claims`; a claim given as undefined is left out. */
function claimsOf(claims: Record<string, unknown>): Record<string, unknown> {
  const all = { sub: 'cust-a', aud: TEST_AUTH.audience, iss: TEST_AUTH.issuer, exp: nowSeconds() + 600, ...claims };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

const HMAC = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/**
 * `{ authorization }` with a token signCustomerToken would not mint: any claims (a `sub` that is no customer id, an
 * `exp` that is a string), HMAC-signed with `secret` (default TEST_AUTH's) by `algorithm`, with extra JOSE `header`
 * fields. Built by hand (RFC 7515 compact form), so no library refuses the claims before the API sees them.
 */
export function bearerWithClaims(
  claims: Record<string, unknown>,
  { secret = TEST_AUTH.secret, algorithm = 'HS256', header = {} }: { secret?: string; algorithm?: keyof typeof HMAC; header?: Record<string, unknown> } = {},
): { authorization: string } {
  const signingInput = `${part({ alg: algorithm, typ: 'JWT', ...header })}.${part(claimsOf(claims))}`;
  const signature = createHmac(HMAC[algorithm], secret).update(signingInput).digest('base64url');
  return { authorization: `Bearer ${signingInput}.${signature}` };
}

/** `{ authorization }` with an unsigned token (`alg: none` unless `header` says otherwise), as an attacker forges one. */
export function unsignedBearer(claims: Record<string, unknown> = {}, header: Record<string, unknown> = { alg: 'none', typ: 'JWT' }): { authorization: string } {
  return { authorization: `Bearer ${part(header)}.${part(claimsOf(claims))}.` };
}
