import pg from 'pg';
import { LauncherError } from './launcher-error.js';

/** The URL with its password hidden, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function reason(error: NodeJS.ErrnoException & { code?: string }, url: URL): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `connection refused (is PostgreSQL running on ${url.host}?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${url.hostname} is not known`;
    case '28P01':
    case '28000':
      return `the server refused the login (${error.message})`;
    case '3D000':
      return `${error.message}; name a database that exists (the system's databases are created beside it)`;
    default:
      return /timeout/i.test(error.message) ? 'no answer within 5 s' : error.message;
  }
}

/** Connects once to the server DATABASE_URL names; any failure becomes one line with the fix to try. */
export async function assertServerReachable(serverUrl: string): Promise<void> {
  const hint = 'unset DATABASE_URL to use the embedded PostgreSQL';
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new LauncherError(`DATABASE_URL=${serverUrl} is not a URL (postgres://user:password@host:port/database): fix it, or ${hint}`);
  }
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new LauncherError(`Cannot reach DATABASE_URL=${redactedUrl(serverUrl)}: ${reason(error as NodeJS.ErrnoException, url)}; ${hint}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
