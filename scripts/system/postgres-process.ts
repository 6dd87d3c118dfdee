// The embedded PostgreSQL in a process of its own, started by the launcher in its own process group so that a
// Ctrl-C reaches only the launcher, which stops the apps first and this last. PGDATA_DIR, PGPORT (default free).
// Prints {"event":"ready","url":...}; stops the server on SIGTERM.
import { startEmbeddedPostgres } from '../../libs/messaging/testing/embedded-postgres.js';

const server = await startEmbeddedPostgres({
  dataDir: process.env.PGDATA_DIR as string,
  ...(process.env.PGPORT ? { port: Number(process.env.PGPORT) } : {}),
});
process.stdout.write(`${JSON.stringify({ event: 'ready', url: server.url })}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
