// The order API as a child process of a fault test (T17, T19): its own databases and its token key from the
// environment (ORDER_API_JWT_SECRET), listening on PORT (0: any) on 127.0.0.1, its ops port on OPS_PORT (0: any)
// on 127.0.0.1. It prints JSON lines: `listening` once it answers (with both ports), and on SIGWINCH a `probe` of
// what only the process itself can see (whether Object.prototype was polluted, its heap). SIGWINCH, because
// Nest's enableShutdownHooks() shuts the app down on SIGUSR2 and SIGHUP too.
import { OpsListener } from '@app/messaging';
import { createOrderApi } from '../../../apps/order-api/src/app.js';
import { readOrderApiAuthConfig } from '../../../apps/order-api/src/auth/auth-config.js';

const app = await createOrderApi(
  {
    port: 0,
    opsPort: Number(process.env.OPS_PORT ?? 0),
    opsHost: '127.0.0.1',
    ordersDatabaseUrl: process.env.ORDERS_DATABASE_URL!,
    brokerDatabaseUrl: process.env.BROKER_DATABASE_URL!,
    auth: readOrderApiAuthConfig(process.env),
  },
  { logger: false },
);
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const { port } = app.getHttpServer().address() as { port: number };
const ops = app.get(OpsListener).url;
process.on('SIGWINCH', () => {
  const polluted = ({} as Record<string, unknown>).isAdmin !== undefined || Object.keys(Object.prototype).length > 0;
  console.log(JSON.stringify({ event: 'probe', polluted, heapUsedBytes: process.memoryUsage().heapUsed }));
});
console.log(JSON.stringify({ event: 'listening', port, ops, pid: process.pid }));
