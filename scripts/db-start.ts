// `npm run db:start`: a PostgreSQL for development when you have none. Starts the embedded server (data in
// .data/postgres, git-ignored), prints its DATABASE_URL, and stops it on Ctrl-C.
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../libs/messaging/testing/embedded-postgres.js';

const port = Number(process.env.PGPORT ?? 54329);
const server = await startEmbeddedPostgres({ dataDir: fileURLToPath(new URL('../.data/postgres', import.meta.url)), port });
console.log(`PostgreSQL is running. In another shell:\n  export DATABASE_URL=${server.url}\nPress Ctrl-C to stop.`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.stop().then(() => process.exit(0));
  });
}
