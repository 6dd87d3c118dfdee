import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { freePort, startEmbeddedPostgres, testPool, type RunningPostgres } from '@app/messaging/testing';
import { startSystem, type RunningSystem, type SystemOptions } from '../../scripts/system/start-system.js';

export interface SystemOnOwnPostgres {
  server: RunningPostgres;
  system: RunningSystem;
  /** Pools on the order and payment services' databases, for the test's own reads. */
  orders: pg.Pool;
  payments: pg.Pool;
  stop(): Promise<void>;
}

/**
 * The whole system on an embedded PostgreSQL of its own, on free ports: for tests that crash the server, or load
 * it with more connections than a shared server should give.
 */
export async function startSystemOnOwnPostgres(
  label: string,
  log: (line: string) => void,
  options: Pick<SystemOptions, 'env' | 'smtpUrl' | 'alertWebhookUrl'> = {},
): Promise<SystemOnOwnPostgres> {
  const dataDir = mkdtempSync(join(tmpdir(), `pgm-${label}-`));
  const server = await startEmbeddedPostgres({ dataDir });
  const system = await startSystem({
    ...options,
    databaseUrl: server.url,
    workersFile: null,
    ports: { orderApi: await freePort(), paymentWorker: await freePort(), notificationWorker: await freePort(), paymentProvider: await freePort(), smtp: await freePort() },
    log,
  }).catch(async (error) => {
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
    stop: async () => {
      await orders.end();
      await payments.end();
      await system.stop();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
