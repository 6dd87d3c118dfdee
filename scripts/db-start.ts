// `npm run db:start`: a PostgreSQL for development when you have none. Starts the embedded server (data in
// DATA_DIR, default .data/postgres, git-ignored; the port npm start uses, or PORT_POSTGRES), prints its
// DATABASE_URL, and stops it on Ctrl-C.
import { resolve } from 'node:path';
import { startRepoPostgres } from '../tools/embedded-postgres.js';
import { lockDataDir } from './system/data-dir-lock.js';
import { LauncherError } from './system/launcher-error.js';
import { choosePostgresPort, rememberPostgresPort } from './system/postgres-port.js';
import { portNumber } from './system/ports.js';
import { DEFAULT_DATA_DIR } from './system/start-system.js';

const dataDir = process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : DEFAULT_DATA_DIR;
try {
  lockDataDir(dataDir);
  const requested = process.env.PORT_POSTGRES ? portNumber('PORT_POSTGRES', process.env.PORT_POSTGRES) : undefined;
  const { port, remember } = await choosePostgresPort(dataDir, requested, (line) => console.log(line));
  const server = await startRepoPostgres({ dataDir, port });
  if (remember) rememberPostgresPort(dataDir, port);
  console.log(`PostgreSQL is running. In another shell:\n  export DATABASE_URL=${server.url}\nPress Ctrl-C to stop.`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void server.stop().then(() => process.exit(0));
    });
  }
} catch (error) {
  console.error(error instanceof LauncherError ? error.message : (error as Error).message);
  process.exit(1);
}
