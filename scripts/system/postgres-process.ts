// The embedded PostgreSQL in a process of its own, started by the launcher in its own process group so that a
// Ctrl-C reaches only the launcher, which stops the apps first and this last. PGDATA_DIR, PGPORT (default free).
// Prints {"event":"ready","url":...}; stops the server on SIGTERM. If the server dies (killed, crashed), this
// process says so and exits 1, so that the launcher sees it and restarts it.
import { startRepoPostgres } from '../../tools/embedded-postgres.js';

const server = await startRepoPostgres({
  dataDir: process.env.PGDATA_DIR as string,
  ...(process.env.PGPORT ? { port: Number(process.env.PGPORT) } : {}),
});
process.stdout.write(`${JSON.stringify({ event: 'ready', url: server.url })}\n`);
let stopping = false;
process.once('SIGTERM', () => {
  stopping = true;
  void server.stop().then(() => process.exit(0));
});
void server.exited.then(({ code, signal }) => {
  if (stopping) return;
  process.stdout.write(`PostgreSQL exited unexpectedly (${signal ? `killed by ${signal}` : `exit code ${code}`})\n`);
  process.exit(1);
});
