import { createTestBroker, type TestBroker } from '@app/messaging/testing';
import { startFaultProxy, type FaultProxy } from '@app/messaging/testing/faults';
import { RelayFleet } from './relay-fleet.js';
import { createServiceDatabase, SERVICE_SCHEMA, type ServiceDatabase } from './service-database.js';

/** A broker (own schema) with one queue, a service database with its outbox, and relays that reach it through a delay. */
export interface OutboxRig {
  t: TestBroker;
  svc: ServiceDatabase;
  proxy: FaultProxy;
  fleet: RelayFleet | null;
  /** Starts `count` relay processes (batch `batchSize`), each restarted `restartDelayMs()` after it dies. */
  startRelays(count: number, batchSize: number, restartDelayMs: () => number): Promise<RelayFleet>;
  close(): Promise<void>;
}

export async function createOutboxRig(label: string, options: { queue: string; pattern: string; poolSize: number; serviceDelayMs: number }): Promise<OutboxRig> {
  const t = await createTestBroker(label);
  const svc = await createServiceDatabase(`${label}_service`, options.poolSize);
  await t.broker.declareQueue(options.queue);
  await t.broker.bindQueue(options.queue, options.pattern);
  const serviceUrl = new URL(svc.db.url);
  const proxy = await startFaultProxy({ host: serviceUrl.hostname, port: Number(serviceUrl.port) });
  proxy.delay(options.serviceDelayMs);
  const rig: OutboxRig = {
    t,
    svc,
    proxy,
    fleet: null,
    async startRelays(count, batchSize, restartDelayMs) {
      const env = { BROKER_URL: t.url, BROKER_SCHEMA: t.schema, SERVICE_URL: proxy.through(svc.db.url), SERVICE_SCHEMA, BATCH_SIZE: String(batchSize) };
      rig.fleet = new RelayFleet(count, env, restartDelayMs);
      await rig.fleet.start();
      return rig.fleet;
    },
    async close() {
      await rig.fleet?.stop();
      await proxy.close();
      await svc.drop();
      await t.cleanup();
    },
  };
  return rig;
}
