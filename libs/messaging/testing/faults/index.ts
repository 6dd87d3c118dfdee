// The fault-injection harness (docs/reliability.md): fixtures that break things on purpose, workload processes that
// record what they did, and checkers that count what was lost or doubled. Tests live in test/faults/.
//
// Usage, in a test (test/faults/t02-worker-kill.spec.ts is a whole one):
//   const pg = await startPostgresFixture();                  // own server, durability settings asserted (SHOW)
//   const driver = await connectFaultDriver({ url: pg.url, schema: 's' });   // FAULT_DRIVER=postgres by default
//     (or { driver: 'rabbitmq', url: <AMQP URL with a vhost>, schema: <exchange> }: rabbitmq-driver.ts says what differs)
//   await driver.setupQueue({ name: 'work', leaseMs: 2000, maxAttempts: 5 });
//   await setupEffects(pg.url, 'svc');                        // inbox + effects table for EFFECTS_SCHEMA
//   const sup = new Supervisor({ DATABASE_URL: pg.url, SCHEMA: 's', HISTORY_DIR: dir });
//   sup.start('consumer-1', WORKLOAD.consumer, { QUEUE: 'work', EFFECTS_SCHEMA: 'svc', HANDLER_MAX_MS: '20' });
//   sup.start('publisher-1', WORKLOAD.publisher, { ROUTING_KEY: 'work', COUNT: '1000' });
//   sup.kill('consumer-1'); await sup.restart('consumer-1');  // SIGKILL/SIGTERM/SIGSTOP/SIGCONT, counted in sup.counts
//   await pg.crash(); await pg.restart();
//   await drainQueue(driver, 'work');                         // K consecutive empty polls
//   const history = readHistory(historyFiles(dir));
//   checkTotalQueue(history), checkLeases(history), checkEffects(await readEffects(pg.url, 'svc'), history), …
//   recordFaultReport({ id: 'T02', …, figures: faultFigures({ history, … }) });
//   await sup.stopAll(); await driver.close(); await pg.cleanStop();
// or `const run = await startFaultRun('t99', { driver })` for all of that set up at once (run.pg, run.driver,
// run.setupQueue(…) for the queues every workload process re-declares, run.sup, run.history(), run.effects(),
// run.close(); KEEP_FAULT_HISTORY=1 keeps the history folder to look at). On RabbitMQ a run gets a vhost of its own
// and its PostgreSQL holds only the inbox and effects; pass `ends: run.sup.ends` to faultFigures there (a hold ends
// with its process, not with a lease).
// Workload settings are environment variables, listed at the top of processes/consumer.ts and publisher.ts (e.g.
// EXTEND_EVERY_MS for a heartbeat, FATES=on for T11's fates); a per-process DATABASE_URL points one at a proxy, and
// FAKETIME + LD_PRELOAD (libfaketime) in its env skew its clock.
export { faultProfile, recordFaultReport, sized, type FaultFigures, type FaultProfile, type FaultReport } from './figures.js';
export type { HistoryEvent, OpName, OpOutcome } from './history.js';
export {
  connectFaultDriver,
  FAULT_DRIVERS,
  faultDriverName,
  HELD_UNTIL_SETTLED,
  type DeadLetterWatch,
  type FaultDelivery,
  type FaultDriver,
  type FaultDriverCapabilities,
  type FaultDriverName,
  type FaultDriverOptions,
  type FaultMessage,
  type FaultQueue,
  type QueueCounts,
} from './driver.js';
export { RabbitMqFaultDriver } from './rabbitmq-driver.js';
export { assertDurable, DURABILITY_SETTINGS, startPostgresFixture, type PostgresFixture } from './postgres-fixture.js';
export { Supervisor, type StartOptions } from './supervisor.js';
export { HistoryRecorder, historyFiles, readHistory, type HistoryEntry } from './recorder.js';
export { checkTotalQueue, type TotalQueueResult } from './checkers/total-queue.js';
export { checkLeases, type LeaseOverlap, type LeaseResult, type StaleSettle } from './checkers/leases.js';
export { checkEffects, type EffectRow, type EffectsResult } from './checkers/effects.js';
export { checkDeadLetters, type DeadLetterResult } from './checkers/dead-letters.js';
export { checkPerKeyOrder, type PerKeyOrderResult } from './checkers/per-key-order.js';
export { fateOf, type Fate } from './fates.js';
export { drainQueue, type DrainResult } from './drain.js';
export { deliveryLatencies, firstOkAfter, latencySummary, percentile, publishToAckLatencies, recoverySeconds } from './timing.js';
export { readEffects, setupEffects, writeEffect } from './effects-store.js';
export { WORKLOAD } from './workload.js';
export { faultFigures, type FaultChecks } from './fault-figures.js';
export { startFaultRun, type FaultRun } from './fault-run.js';
export {
  checkOrderLedger,
  orderLedgerViolations,
  type CaughtMailRecord,
  type ClientOrder,
  type OrderLedgerFigures,
  type OrderLedgerInput,
  type ProviderCharge,
} from './order-ledger.js';
export { startFaultProxy, type FaultMode, type FaultProxy, type FaultProxyStats } from './fault-proxy.js';
