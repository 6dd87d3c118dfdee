import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnvironment } from '@app/messaging';
import { assertSecret, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, type OrderApiAuthConfig } from '../../apps/order-api/src/auth/auth-config.js';

/** The key npm start signs and checks the order API's tokens with, made at the first start (.data/ is git-ignored). */
export const DEV_JWT_SECRET_FILE = fileURLToPath(new URL('../../.data/secrets/order-api-jwt-secret', import.meta.url));

/**
 * The secret in `file`, made first if the file is missing: 32 random bytes (base64url), by default readable by its
 * owner only. Made under another name and linked into place, so two processes starting at once both read the one
 * secret, whole.
 */
export function ensureSecretFile(file: string, { bytes = 32, mode = 0o600 }: { bytes?: number; mode?: number } = {}): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(bytes).toString('base64url')}\n`, { mode });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * The order API's token settings as npm start gives them to it: ORDER_API_JWT_SECRET (or _FILE), audience and
 * issuer from the environment when set, else the development key (made at the first start) and the defaults.
 */
export function developmentAuth(env: NodeJS.ProcessEnv = process.env, secretFile = DEV_JWT_SECRET_FILE): OrderApiAuthConfig & { secretFile?: string } {
  const given = readEnvironment('ORDER_API_JWT_SECRET', env);
  return {
    secret: assertSecret(given ?? ensureSecretFile(secretFile)),
    ...(given ? {} : { secretFile }),
    audience: readEnvironment('ORDER_API_JWT_AUDIENCE', env) ?? DEFAULT_JWT_AUDIENCE,
    issuer: readEnvironment('ORDER_API_JWT_ISSUER', env) ?? DEFAULT_JWT_ISSUER,
  };
}
