// A fault-workload publisher in its own process: unique values `<PROCESS_NAME>-<n>`, each recorded invoke → ok
// (committed), fail (definitely not: refused before anything was sent) or info (unknown: a timeout, the connection
// lost during the statement). Settings (environment):
//   DATABASE_URL, SCHEMA, PROCESS_NAME, HISTORY_DIR, ROUTING_KEY (FAULT_DRIVER, BROKER_URL: env.ts workloadDriver)
//   COUNT (values to attempt), BATCH (values per publish, 1), INTERVAL_MS (pause between publishes, 0),
//   DURATION_MS (stop after this long even if COUNT is not reached; default none)
//   KEYS (ordering keys `k<i>`, values spread over them with seq 0, 1, 2 … per key; 0 = no keys)
// stdout: {event:'ready'}, {event:'progress', attempted, ok}, {event:'done', attempted, ok, fail, info}.
import type { FaultMessage } from '../driver.js';
import { describe, env, numberEnv, recorder, report, sleep, workloadDriver } from './env.js';

const name = env('PROCESS_NAME');
const routingKey = env('ROUTING_KEY');
const count = numberEnv('COUNT', 100);
const batchSize = numberEnv('BATCH', 1);
const intervalMs = numberEnv('INTERVAL_MS', 0);
const keys = numberEnv('KEYS', 0);
const endAt = process.env.DURATION_MS ? Date.now() + Number(process.env.DURATION_MS) : Infinity;
const history = recorder();
const driver = await workloadDriver(2);

/**
 * Definitely not committed: no connection (refused, or 57P03 "the database system is starting up"), so nothing was
 * sent, or the library rejected the call itself (its codes are words like INVALID_ARGUMENT). Anything else: unknown.
 */
function definitelyFailed(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === '57P03' || (typeof code === 'string' && code.includes('_'));
}

let stopping = false;
process.once('SIGTERM', () => (stopping = true));
report('ready', { pid: process.pid });
const tally = { attempted: 0, ok: 0, fail: 0, info: 0 };
const seqs = new Map<string, number>();
for (let n = 0; n < count && !stopping && Date.now() < endAt; ) {
  const messages: FaultMessage[] = [];
  for (; messages.length < batchSize && n < count; n++) {
    const key = keys > 0 ? `k${n % keys}` : undefined;
    const seq = key === undefined ? undefined : (seqs.get(key) ?? 0);
    if (key !== undefined) seqs.set(key, seq! + 1);
    messages.push({ value: `${name}-${n}`, ...(key === undefined ? {} : { key, seq }) });
  }
  for (const m of messages) history.record({ type: 'invoke', f: 'publish', value: m.value, ...(m.key === undefined ? {} : { key: m.key, seq: m.seq }) });
  tally.attempted += messages.length;
  try {
    const ids = await driver.publish(routingKey, messages);
    messages.forEach((m, i) => history.record({ type: 'ok', f: 'publish', value: m.value, messageId: ids[i] }));
    tally.ok += messages.length;
  } catch (error) {
    const type = definitelyFailed(error) ? 'fail' : 'info';
    for (const m of messages) history.record({ type, f: 'publish', value: m.value, error: describe(error) });
    tally[type] += messages.length;
    await sleep(50);
  }
  if (tally.attempted % 500 < batchSize) report('progress', tally);
  if (intervalMs > 0) await sleep(intervalMs);
}
report('done', tally);
await driver.close();
process.exit(0);
