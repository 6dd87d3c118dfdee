// The order API as a child process of a fault test (T17, T19): its own databases from the environment, listening on
// PORT (0: any) on 127.0.0.1. It prints JSON lines: `listening` once it answers, and on SIGWINCH a `probe` of what
// only the process itself can see (whether Object.prototype was polluted, its heap). SIGWINCH, because Nest's
// enableShutdownHooks() shuts the app down on SIGUSR2 and SIGHUP too.
import { createOrderApi } from '../../../apps/order-api/src/app.js';

const app = await createOrderApi(
  { port: 0, ordersDatabaseUrl: process.env.ORDERS_DATABASE_URL!, brokerDatabaseUrl: process.env.BROKER_DATABASE_URL! },
  { logger: false },
);
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const { port } = app.getHttpServer().address() as { port: number };
process.on('SIGWINCH', () => {
  const polluted = ({} as Record<string, unknown>).isAdmin !== undefined || Object.keys(Object.prototype).length > 0;
  console.log(JSON.stringify({ event: 'probe', polluted, heapUsedBytes: process.memoryUsage().heapUsed }));
});
console.log(JSON.stringify({ event: 'listening', port, pid: process.pid }));
