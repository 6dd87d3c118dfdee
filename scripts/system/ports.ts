import { createServer } from 'node:net';
import { LauncherError } from './launcher-error.js';
import { portOwner } from './port-owner.js';

export interface SystemPorts {
  orderApi: number;
  /** order-api's health and metrics (its OPS_PORT); the workers' ports are their ops ports. */
  orderApiOps: number;
  paymentWorker: number;
  notificationWorker: number;
  paymentProvider: number;
  smtp: number;
}

export const DEFAULT_PORTS: SystemPorts = { orderApi: 3000, orderApiOps: 3020, paymentWorker: 3001, notificationWorker: 3002, paymentProvider: 4010, smtp: 1025 };

/** The variable that sets each port. With PORT_BASE=B instead: B + the offset below. */
export const PORT_VARIABLES: Record<keyof SystemPorts, string> = {
  orderApi: 'PORT_ORDER_API',
  orderApiOps: 'PORT_ORDER_API_OPS',
  paymentWorker: 'PORT_PAYMENT_WORKER',
  notificationWorker: 'PORT_NOTIFICATION_WORKER',
  paymentProvider: 'PORT_PAYMENT_PROVIDER',
  smtp: 'PORT_SMTP',
};
const BASE_OFFSETS: Record<keyof SystemPorts, number> = { orderApi: 0, orderApiOps: 20, paymentWorker: 1, notificationWorker: 2, paymentProvider: 10, smtp: 25 };

/** PORT_SHIPPING_WORKER for shipping-worker. With PORT_BASE=B a registered worker listens on B + (its port - 3000). */
export const workerPortVariable = (app: string) => `PORT_${app.toUpperCase().replace(/-/g, '_')}`;

/** The port a variable names; anything else is refused in one line. */
export function portNumber(variable: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new LauncherError(`${variable}=${value} is not a port number: use 1-65535`);
  return port;
}

/** The ports PORT_<SERVICE> and PORT_BASE ask for; what they leave out keeps its default. */
export function portsFromEnvironment(
  env: NodeJS.ProcessEnv,
  workers: { app: string; port: number }[],
): { ports: Partial<SystemPorts>; workerPorts: Record<string, number> } {
  const base = env.PORT_BASE ? portNumber('PORT_BASE', env.PORT_BASE) : undefined;
  const pick = (variable: string, offset: number) =>
    env[variable] ? portNumber(variable, env[variable]) : base !== undefined ? portNumber(`PORT_BASE + ${offset}`, String(base + offset)) : undefined;
  const ports: Partial<SystemPorts> = {};
  for (const key of Object.keys(PORT_VARIABLES) as (keyof SystemPorts)[]) {
    const port = pick(PORT_VARIABLES[key], BASE_OFFSETS[key]);
    if (port !== undefined) ports[key] = port;
  }
  const workerPorts = Object.fromEntries(workers.map(({ app, port }) => [app, pick(workerPortVariable(app), port - 3000) ?? port]));
  return { ports, workerPorts };
}

/** Whether nothing listens on `port` (on any address). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Refuses, in one line naming the variable to set, a port that another process listens on or two services share. */
export async function assertPortsFree(wanted: { service: string; variable: string; port: number }[]): Promise<void> {
  const seen = new Map<number, string>();
  for (const { service, variable, port } of wanted) {
    const other = seen.get(port);
    if (other) throw new LauncherError(`Port ${port} is given to both ${other} and ${service}: set ${variable}=<another port>`);
    seen.set(port, service);
    if (!(await isPortFree(port))) {
      const owner = portOwner(port);
      throw new LauncherError(`Port ${port} (${service}) is taken${owner ? ` by ${owner}` : ''}: stop it, or set ${variable}=<port> or PORT_BASE=<port>`);
    }
  }
}
