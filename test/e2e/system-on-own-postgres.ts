import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { startEmbeddedPostgres, testPool, type RunningPostgres } from '@app/messaging/testing';
import { startFaultProxy, type FaultProxy } from '@app/messaging/testing/faults';
import { startSystem, type RunningSystem, type SystemOptions } from '../../scripts/system/start-system.js';
import { freeSystemPorts } from './system-ports.js';

export interface SystemOnOwnPostgres {
  server: RunningPostgres;
  system: RunningSystem;
  /** Pools on the order and payment services' databases, for the test's own reads (not through any proxy). */
  orders: pg.Pool;
  payments: pg.Pool;
  /** For each app named in `proxied`, the fault proxy all its database connections go through. */
  proxies: Record<string, FaultProxy>;
  stop(): Promise<void>;
}

/**
 * The whole system on an embedded PostgreSQL of its own, on free ports: for tests that crash the server, or load
 * it with more connections than a shared server should give.
 */
export async function startSystemOnOwnPostgres(
  label: string,
  log: (line: string) => void,
  options: Pick<SystemOptions, 'env' | 'smtpUrl' | 'alertWebhookUrl'> & { proxied?: string[] } = {},
): Promise<SystemOnOwnPostgres> {
  const { proxied = [], ...systemOptions } = options;
  const dataDir = mkdtempSync(join(tmpdir(), `pgm-${label}-`));
  const server = await startEmbeddedPostgres({ dataDir });
  const target = new URL(server.url);
  const proxies: Record<string, FaultProxy> = {};
  for (const app of proxied) proxies[app] = await startFaultProxy({ host: target.hostname, port: Number(target.port) });
  // Every *_DATABASE_URL a proxied app gets (its role's, with its credentials) points at its proxy.
  const appEnv: SystemOptions['appEnv'] = (app, env) => {
    const proxy = proxies[app];
    if (!proxy) return {};
    return Object.fromEntries(Object.entries(env).filter(([name]) => name.endsWith('_DATABASE_URL')).map(([name, url]) => [name, proxy.through(url)]));
  };
  const closeProxies = () => Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  const system = await startSystem({
    ...systemOptions,
    appEnv,
    databaseUrl: server.url,
    workersFile: null,
    ports: await freeSystemPorts(),
    log,
  }).catch(async (error) => {
    await closeProxies();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const orders = testPool(system.databases.orders, 1);
  const payments = testPool(system.databases.payments, 1);
  return {
    server,
    system,
    orders,
    payments,
    proxies,
    stop: async () => {
      await orders.end();
      await payments.end();
      for (const proxy of Object.values(proxies)) proxy.pass();
      await system.stop();
      await closeProxies();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
