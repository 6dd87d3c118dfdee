import { InvalidArgumentError, readEnvironment } from '@app/messaging';

/** How the order API checks its callers' bearer tokens (JWTs signed with HS256). */
export interface OrderApiAuthConfig {
  /** The HMAC key tokens are signed with, at least 32 characters. ORDER_API_JWT_SECRET or ORDER_API_JWT_SECRET_FILE. */
  secret: string;
  /** The `aud` a token must carry. ORDER_API_JWT_AUDIENCE, default 'order-api'. */
  audience: string;
  /** The `iss` a token must carry. ORDER_API_JWT_ISSUER, default 'pg-messaging'. */
  issuer: string;
}

export const DEFAULT_JWT_AUDIENCE = 'order-api';
export const DEFAULT_JWT_ISSUER = 'pg-messaging';
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash (256 bits). */
const MIN_SECRET_LENGTH = 32;

export const ORDER_API_AUTH_ENVIRONMENT = ['ORDER_API_JWT_SECRET', 'ORDER_API_JWT_AUDIENCE', 'ORDER_API_JWT_ISSUER'] as const;

export function readOrderApiAuthConfig(env: NodeJS.ProcessEnv = process.env): OrderApiAuthConfig {
  const secret = readEnvironment('ORDER_API_JWT_SECRET', env);
  if (!secret) throw new InvalidArgumentError('ORDER_API_JWT_SECRET (or ORDER_API_JWT_SECRET_FILE) is not set: the key that signs the callers\' tokens', { variable: 'ORDER_API_JWT_SECRET' });
  return {
    secret: assertSecret(secret),
    audience: readEnvironment('ORDER_API_JWT_AUDIENCE', env) ?? DEFAULT_JWT_AUDIENCE,
    issuer: readEnvironment('ORDER_API_JWT_ISSUER', env) ?? DEFAULT_JWT_ISSUER,
  };
}

/** Refuses a key too short for HS256 (a guessable key makes every token forgeable). */
export function assertSecret(secret: string): string {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new InvalidArgumentError(`ORDER_API_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length})`, { variable: 'ORDER_API_JWT_SECRET' });
  }
  return secret;
}
