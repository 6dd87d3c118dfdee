import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LauncherError } from './launcher-error.js';
import { portOwner } from './port-owner.js';
import { freePort } from '../../libs/messaging/testing/free-port.js';
import { isPortFree } from './ports.js';

/** The embedded server's port when none was ever chosen: beside a system PostgreSQL's 5432, not on it. */
export const DEFAULT_POSTGRES_PORT = 5433;

/** Where the port is remembered, so that the URLs a user exported stay right across starts. */
const portFile = (dataDir: string) => join(dataDir, 'npm-start.port');

export function rememberedPostgresPort(dataDir: string): number | undefined {
  return existsSync(portFile(dataDir)) ? Number(readFileSync(portFile(dataDir), 'utf8').trim()) : undefined;
}

/** Written once the server runs (the data folder must be empty for initdb before). */
export function rememberPostgresPort(dataDir: string, port: number): void {
  writeFileSync(portFile(dataDir), `${port}\n`);
}

/**
 * PORT_POSTGRES if given (refused in one line if taken); else the remembered port, or 5433 the first time; if that
 * one is taken, a free port this time, said in one line. Returns the port and whether to remember it.
 */
export async function choosePostgresPort(dataDir: string, requested: number | undefined, log: (line: string) => void): Promise<{ port: number; remember: boolean }> {
  if (requested !== undefined) {
    if (!(await isPortFree(requested))) {
      const owner = portOwner(requested);
      throw new LauncherError(`Port ${requested} (PostgreSQL) is taken${owner ? ` by ${owner}` : ''}: stop it, or set PORT_POSTGRES=<port>`);
    }
    return { port: requested, remember: true };
  }
  const usual = rememberedPostgresPort(dataDir) ?? DEFAULT_POSTGRES_PORT;
  if (await isPortFree(usual)) return { port: usual, remember: true };
  const port = await freePort();
  const owner = portOwner(usual);
  log(`Port ${usual}, the embedded PostgreSQL's usual port, is taken${owner ? ` by ${owner}` : ''}; it uses ${port} this time (set PORT_POSTGRES to choose one)`);
  return { port, remember: false };
}
