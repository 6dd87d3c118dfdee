import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';

/**
 * Reads a setting from the environment: `NAME`, or the contents of the file named by `NAME_FILE` (how Docker and
 * compose hand over secrets). Returns undefined when neither is set.
 */
export function readEnvironment(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  if (value) return value;
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new InvalidArgumentError(`${name}_FILE names ${file}, which cannot be read: ${(error as Error).message}`, { variable: `${name}_FILE` });
  }
}

/** Like readEnvironment, but the setting must be there. */
export function requireEnvironment(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = readEnvironment(name, env);
  if (!value) throw new InvalidArgumentError(`${name} (or ${name}_FILE) is not set`, { variable: name });
  return value;
}

/** A port number from the environment (`NAME`), or `fallback` when it is not set; anything but 0-65535 is refused. */
export function portFromEnvironment(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  const port = text === undefined || text === '' ? fallback : /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new InvalidArgumentError(`${name} must be a port number (0-65535), got ${JSON.stringify(text)}`, { variable: name });
  return port;
}

/**
 * A database URL setting (see requireEnvironment). When `DATABASE_PASSWORD` (or `DATABASE_PASSWORD_FILE`, a secret
 * file) is set and the URL has no password, the URL gets that one: the URL then holds no secret and can be plain
 * configuration.
 */
export function requireDatabaseUrl(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = requireEnvironment(name, env);
  const password = readEnvironment('DATABASE_PASSWORD', env);
  if (!password) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`${name} is not a URL`, { variable: name });
  }
  if (url.password) return value;
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** A yes/no setting: unset gives `fallback`; `true`/`1`/`yes` and `false`/`0`/`no` (any case), else an error. */
export function readFlag(name: string, fallback: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = readEnvironment(name, env)?.toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new InvalidArgumentError(`${name} must be true or false, got ${JSON.stringify(value)}`, { variable: name });
}
