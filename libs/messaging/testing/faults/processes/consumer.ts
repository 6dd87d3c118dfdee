// A fault-workload consumer in its own process. It claims through the fault driver (not Broker.consume) so that it
// can record every delivery and every settle outcome. Settings (environment):
//   DATABASE_URL, SCHEMA, QUEUE, PROCESS_NAME, HISTORY_DIR   where, and where its history goes
//   FAULT_DRIVER, BROKER_URL, FAULT_QUEUES                    another broker than DATABASE_URL's (env.ts workloadDriver)
//   LEASE_MS (default the queue's), BATCH (claim size, 10), CONCURRENCY (handlers at once, BATCH), POLL_MS (idle, 50)
//   HANDLER_MIN_MS, HANDLER_MAX_MS                            handler time, uniform (default 0-0)
//   EXTEND_EVERY_MS                                           heartbeat: extend the lease (by its length) this often
//                                                             while the handler runs (default: never)
//   FATES=on                                                  T11 fates by value (fates.ts): poison throws, crasher
//                                                             exits the process, flaky fails its first attempt
//   EFFECTS_SCHEMA                                            write one effect per message in the same transaction as
//                                                             the library's Inbox row (setupEffects made both, in
//                                                             DATABASE_URL's database whichever the broker)
// stdout: {event:'ready'}, {event:'delivered'|'acked'|'ack-refused'|'nacked', value, messageId, attempt},
//         {event:'stopped', claims, claimP50Ms, claimP99Ms} after SIGTERM (it finishes the batch in hand first).
import pg from 'pg';
import { Inbox } from '../../../src/index.js';
import type { FaultDelivery } from '../driver.js';
import { writeEffect } from '../effects-store.js';
import { fateOf } from '../fates.js';
import { percentile } from '../timing.js';
import { describe, env, numberEnv, recorder, report, sleep, workloadDriver } from './env.js';

const queue = env('QUEUE');
const name = env('PROCESS_NAME');
const batch = numberEnv('BATCH', 10);
const concurrency = numberEnv('CONCURRENCY', batch);
const pollMs = numberEnv('POLL_MS', 50);
const leaseMs = process.env.LEASE_MS ? Number(process.env.LEASE_MS) : undefined;
const [minMs, maxMs] = [numberEnv('HANDLER_MIN_MS', 0), numberEnv('HANDLER_MAX_MS', 0)];
const fates = process.env.FATES === 'on';
const extendEveryMs = numberEnv('EXTEND_EVERY_MS', 0);
const effectsSchema = process.env.EFFECTS_SCHEMA;
const history = recorder();

const driver = await workloadDriver(Math.min(concurrency + 2, 10));
const effectsPool = effectsSchema ? new pg.Pool({ connectionString: env('DATABASE_URL'), max: Math.min(concurrency, 8) }) : undefined;
effectsPool?.on('error', () => undefined);
const inbox = effectsPool ? Inbox.forPool(effectsPool, { schema: effectsSchema }) : undefined;

let stopping = false;
/** Durations of the claims that returned messages, ms. */
const claimMs: number[] = [];
const ids = (d: FaultDelivery) => ({ value: d.value, messageId: d.messageId, deliveryId: d.deliveryId, leaseToken: d.leaseToken, attempt: d.attempt });

async function settle(f: 'ack' | 'nack', d: FaultDelivery, error?: string): Promise<void> {
  history.record({ type: 'invoke', f, ...ids(d) });
  try {
    if (f === 'ack') {
      const accepted = await driver.ack(d);
      history.record({ type: accepted ? 'ok' : 'fail', f, ...ids(d), ...(accepted ? {} : { error: 'lease lost' }) });
      report(accepted ? 'acked' : 'ack-refused', ids(d));
    } else {
      const outcome = await driver.nack(d, { error: error ?? 'failed' });
      history.record({ type: outcome.accepted ? 'ok' : 'fail', f, ...ids(d), ...(outcome.accepted ? {} : { error: 'lease lost' }) });
      if (outcome.deadLettered) history.record({ type: 'ok', f: 'dead-letter', ...ids(d) });
      report('nacked', { ...ids(d), accepted: outcome.accepted, deadLettered: outcome.deadLettered });
    }
  } catch (e) {
    history.record({ type: 'info', f, ...ids(d), error: describe(e) });
  }
}

/** The effect and the inbox row in one transaction; false when it did not commit (the message is left to its lease). */
async function effect(d: FaultDelivery): Promise<boolean> {
  if (!inbox) return true;
  history.record({ type: 'invoke', f: 'effect', ...ids(d) });
  try {
    const result = await inbox.process({ messageId: d.messageId, consumer: queue }, (client) => writeEffect(client, effectsSchema!, { value: d.value, messageId: d.messageId, process: name, attempt: d.attempt }));
    history.record({ type: result.processed ? 'ok' : 'fail', f: 'effect', ...ids(d), ...(result.processed ? {} : { error: 'duplicate' }) });
    return true;
  } catch (e) {
    history.record({ type: 'info', f: 'effect', ...ids(d), error: describe(e) });
    return false;
  }
}

/** Recorded when claimed (a batch waiting for a handler slot is held too), before any handler runs. */
function delivered(d: FaultDelivery): void {
  history.record({ type: 'ok', f: 'deliver', ...ids(d), claimedAt: d.claimedAt, leaseExpiresAt: d.leaseExpiresAt, ...(d.key === undefined ? {} : { key: d.key, seq: d.seq }) });
  report('delivered', ids(d));
}

/** One heartbeat: extends the lease by its length (fenced: refused once another consumer took the message). */
async function extend(d: FaultDelivery, ms: number): Promise<void> {
  history.record({ type: 'invoke', f: 'extend', ...ids(d) });
  try {
    const accepted = await driver.extend(d, ms);
    history.record({ type: accepted ? 'ok' : 'fail', f: 'extend', ...ids(d), ...(accepted ? { leaseExpiresAt: d.leaseExpiresAt } : { error: 'lease lost' }) });
  } catch (e) {
    history.record({ type: 'info', f: 'extend', ...ids(d), error: describe(e) });
  }
}

async function handle(d: FaultDelivery): Promise<void> {
  const fate = fates ? fateOf(d.value) : 'normal';
  if (fate === 'crasher') process.exit(1);
  const leaseLength = Math.round(d.leaseExpiresAt - d.claimedAt);
  const heartbeat = extendEveryMs > 0 ? setInterval(() => void extend(d, leaseLength), extendEveryMs) : undefined;
  try {
    if (maxMs > 0) await sleep(minMs + Math.random() * (maxMs - minMs));
  } finally {
    clearInterval(heartbeat);
  }
  if (fate === 'poison' || (fate === 'flaky' && d.attempt === 1)) return settle('nack', d, `${fate} value ${d.value}`);
  if (await effect(d)) await settle('ack', d);
}

async function run(): Promise<void> {
  while (!stopping) {
    let claimed: FaultDelivery[];
    try {
      const started = performance.now();
      claimed = await driver.claim(queue, { limit: batch, ...(leaseMs === undefined ? {} : { leaseMs }) });
      if (claimed.length > 0 && claimMs.length < 100_000) claimMs.push(performance.now() - started);
    } catch {
      await sleep(pollMs * 4); // the broker is unreachable: try again
      continue;
    }
    if (claimed.length === 0) {
      await sleep(pollMs);
      continue;
    }
    claimed.forEach(delivered);
    const waiting = [...claimed];
    await Promise.all(Array.from({ length: Math.min(concurrency, waiting.length) }, async () => {
      for (let d = waiting.shift(); d; d = waiting.shift()) await handle(d);
    }));
  }
}

report('ready', { pid: process.pid });
const loop = run();
process.once('SIGTERM', () => {
  stopping = true;
  void loop
    .then(() => driver.close())
    .then(() => effectsPool?.end())
    .finally(() => {
      report('stopped', { claims: claimMs.length, claimP50Ms: percentile(claimMs, 50), claimP99Ms: percentile(claimMs, 99) });
      process.exit(0);
    });
});
