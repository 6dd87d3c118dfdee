import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { startEmbeddedPostgres, testPool, type RunningPostgres } from '@app/messaging/testing';
import { startSystem, type RunningSystem } from '../../scripts/system/start-system.js';
import { freeSystemPorts } from './system-ports.js';

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
export async function startSystemOnOwnPostgres(label: string, log: (line: string) => void): Promise<SystemOnOwnPostgres> {
  const dataDir = mkdtempSync(join(tmpdir(), `pgm-${label}-`));
  const server = await startEmbeddedPostgres({ dataDir });
  const system = await startSystem({
    databaseUrl: server.url,
    workersFile: null,
    ports: await freeSystemPorts(),
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
