import { JwtService } from '@nestjs/jwt';
import type { OrderApiAuthConfig } from './auth-config.js';

/** A customer id as the API takes it: 1-64 letters, digits, ".", "_", ":" or "-". */
export const CUSTOMER_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Default lifetime of a minted token, in seconds (1 hour). */
export const DEFAULT_TOKEN_TTL_SECONDS = 3_600;

/**
 * A bearer token for `customerId` (its `sub`), as the order API checks them: HS256, the configured audience and
 * issuer, an expiry. For development and tests (`npm run token -- <customerId>`, the launcher, the demo); in
 * production your identity provider issues them with the same claims.
 */
export function signCustomerToken(
  auth: Pick<OrderApiAuthConfig, 'secret' | 'audience' | 'issuer'>,
  customerId: string,
  { expiresInSeconds = DEFAULT_TOKEN_TTL_SECONDS }: { expiresInSeconds?: number } = {},
): string {
  if (!CUSTOMER_ID.test(customerId)) throw new RangeError(`customerId must be 1-64 letters, digits, ".", "_", ":" or "-" (got ${JSON.stringify(customerId)})`);
  return new JwtService().sign(
    {},
    { secret: auth.secret, algorithm: 'HS256', subject: customerId, audience: auth.audience, issuer: auth.issuer, expiresIn: expiresInSeconds },
  );
}
