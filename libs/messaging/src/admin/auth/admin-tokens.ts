import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.js';
import { readEnvironment } from '../../nest/environment.js';

export const ADMIN_ROLES = ['viewer', 'operator', 'payload:read'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminToken {
  /** The secret the caller sends as `Authorization: Bearer <token>`; at least 16 characters. */
  token: string;
  /** Who it is, for the audit trail. */
  name: string;
  roles: AdminRole[];
}

/** Who is calling, once the token matched. */
export interface AdminActor {
  name: string;
  roles: AdminRole[];
}

/** Shorter tokens are refused at boot: a guessable token is an open admin API. */
const MIN_TOKEN_LENGTH = 16;
const NAME = /^[\p{L}\p{N} ._@:-]{1,100}$/u;

/** The environment variable that holds the tokens (or, as ADMIN_TOKENS_FILE, names the secret file that does). */
export const ADMIN_TOKENS_ENVIRONMENT = ['ADMIN_TOKENS'] as const;

/** The tokens from ADMIN_TOKENS or the file ADMIN_TOKENS_FILE names; none when neither is set. */
export function readAdminTokens(env: NodeJS.ProcessEnv = process.env): AdminToken[] {
  const text = readEnvironment('ADMIN_TOKENS', env);
  return text === undefined ? [] : parseAdminTokens(text);
}

/**
 * Tokens as JSON (`[{ "token": "...", "roles": ["viewer"], "name": "ana" }]`) or as lines `token role[,role] name`
 * (blank lines and `#` comments skipped). Anything else fails the boot, naming the line, never the token.
 */
export function parseAdminTokens(text: string): AdminToken[] {
  const trimmed = text.trim();
  const entries: unknown[] = trimmed.startsWith('[') ? parseJson(trimmed) : parseLines(trimmed);
  const tokens = entries.map((entry, i) => checkToken(entry, i + 1));
  const seen = new Set<string>();
  for (const [i, { token }] of tokens.entries()) {
    if (seen.has(token)) throw new InvalidArgumentError(`Admin token ${i + 1} repeats an earlier token`, { entry: i + 1 });
    seen.add(token);
  }
  return tokens;
}

function parseJson(text: string): unknown[] {
  try {
    return JSON.parse(text) as unknown[];
  } catch {
    throw new InvalidArgumentError('Admin tokens: the JSON does not parse', {});
  }
}

function parseLines(text: string): unknown[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [token, roles = '', ...name] = line.split(/\s+/);
      return { token, roles: roles.split(','), name: name.join(' ') };
    });
}

function checkToken(entry: unknown, n: number): AdminToken {
  const { token, roles, name } = (entry ?? {}) as Record<string, unknown>;
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new InvalidArgumentError(`Admin token ${n}: the token must be at least ${MIN_TOKEN_LENGTH} characters without spaces`, { entry: n });
  }
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidArgumentError(`Admin token ${n}: a name of 1-100 letters, digits, spaces or ._@:- is required`, { entry: n });
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((role) => !ADMIN_ROLES.includes(role))) {
    throw new InvalidArgumentError(`Admin token ${n} (${name}): roles must be some of ${ADMIN_ROLES.join(', ')}`, { entry: n, roles });
  }
  return { token, name, roles: [...new Set(roles as AdminRole[])] };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Finds a token's owner in time independent of where (or whether) it matches. */
export class AdminTokenRegistry {
  private readonly entries: { digest: Buffer; actor: AdminActor }[];

  constructor(tokens: readonly AdminToken[]) {
    this.entries = tokens.map(({ token, name, roles }) => ({ digest: digest(token), actor: { name, roles } }));
  }

  find(token: string): AdminActor | null {
    const given = digest(token);
    let found: AdminActor | null = null;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, given)) found = entry.actor;
    return found;
  }
}
