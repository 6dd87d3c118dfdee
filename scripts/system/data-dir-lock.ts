import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { LauncherError } from './launcher-error.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The folder as the user would type it: relative to the current folder when it is inside it. */
export function displayPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') ? inside : path;
}

/**
 * Claims the embedded PostgreSQL's data folder for this launcher (a `<folder>.lock` file beside it holding its pid),
 * so that a second npm start on the same folder is refused in one line instead of failing inside PostgreSQL. A lock
 * whose process is gone is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  const fix = `stop it, or set DATA_DIR to another folder`;
  mkdirSync(dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new LauncherError(`The data folder ${displayPath(dataDir)} is in use by another npm start or db:start (pid ${holder}): ${fix}`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  const release = () => {
    if (existsSync(lockFile) && readFileSync(lockFile, 'utf8').trim() === String(process.pid)) rmSync(lockFile, { force: true });
  };
  // A PostgreSQL that another program started on the folder (npm run db:start, or one left running).
  const postmasterPid = join(dataDir, 'postmaster.pid');
  const postmaster = existsSync(postmasterPid) ? Number(readFileSync(postmasterPid, 'utf8').split('\n')[0]) : 0;
  if (postmaster > 0 && isAlive(postmaster)) {
    release();
    throw new LauncherError(`The data folder ${displayPath(dataDir)} is in use by a PostgreSQL (pid ${postmaster}) that neither npm start nor db:start started: ${fix}`);
  }
  process.once('exit', release);
  return release;
}
