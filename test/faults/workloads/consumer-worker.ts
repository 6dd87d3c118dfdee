// A worker process for the fault tests that exercise the library's own Consumer (LISTEN and polling, heartbeats by
// extendLease, graceful stop, the Inbox), unlike the harness's claim-loop workers. Configured by environment, it
// appends its history (deliver, extend, effect, ack, nack as invoke/ok/fail/info) with the harness's recorder and
// reports JSON lines on stdout, each with its `time`: {event:'ready'}, {event:'delivered', value, attempt},
// {event:'listen-lost'}, {event:'sigterm'}, {event:'stopped', handled}.
//
//   BROKER_URL, SCHEMA, QUEUE, LEASE_MS      the broker, its queue, and the lease each claim takes
//   SERVICE_URL, EFFECTS_SCHEMA               the service database where effects and the inbox live (setupEffects)
//   PROCESS_NAME, HISTORY_DIR                 who it is and where its history goes (the harness's recorder)
//   HANDLER_MS=min,max                        how long a handler works (uniformly at random), inside its inbox
//                                             transaction when WORK_IN_TRANSACTION=1 (it then holds the inbox row lock)
//   HEARTBEAT_MS                              extend the lease this often while working (0: never)
//   LISTEN, POLL_INTERVAL_MS, CONCURRENCY, PREFETCH, SHUTDOWN_GRACE_MS, RETRY_BASE_MS   consumer options
//   IDLE_IN_TRANSACTION_MS                    the service sessions' idle_in_transaction_session_timeout (0: none)
import pg from 'pg';
import { Broker, ERROR_LISTENING_POOL, Inbox, LeaseLostError, type BrokerLogger, type Delivery } from '@app/messaging';
// The harness's files themselves, as its own workload processes do (not the whole faults index).
import { writeEffect } from '../../../libs/messaging/testing/faults/effects-store.js';
import { describe, env, numberEnv, recorder, report as line } from '../../../libs/messaging/testing/faults/processes/env.js';

/** What the workloads publish: a unique value `<process>-<n>`. */
type FaultPayload = { value: string };

const report = (event: string, fields: Record<string, unknown> = {}) => line(event, { time: Date.now(), ...fields });
const number = (name: string, fallback: string) => numberEnv(name, Number(fallback));
const name = env('PROCESS_NAME');
const queue = env('QUEUE');
const leaseMs = number('LEASE_MS', '5000');
const [minMs, maxMs] = env('HANDLER_MS', '0,0').split(',').map(Number) as [number, number];
const heartbeatMs = number('HEARTBEAT_MS', '0');
const workInTransaction = env('WORK_IN_TRANSACTION', '0') === '1';
const history = recorder();
const effectsSchema = env('EFFECTS_SCHEMA');

/**
 * The consumer writes acks and nacks (and releases on stop) in the background after the handler is done: a refusal
 * comes back as a warning naming the message, so each settle waits here, and the ones not refused by the time the
 * consumer has stopped (its last batch written) were accepted, at the time they were sent.
 */
interface PendingSettle {
  delivery: Delivery<FaultPayload>;
  f: 'ack' | 'nack';
  at: number;
  error?: string;
}
const pending = new Map<string, PendingSettle[]>();
const settleFields = ({ delivery }: PendingSettle) => ({ value: delivery.payload.value, messageId: delivery.messageId, deliveryId: delivery.id, leaseToken: delivery.leaseToken });
const sent = (delivery: Delivery<FaultPayload>, f: PendingSettle['f'], error?: string) => {
  const settle: PendingSettle = { delivery, f, at: Date.now(), ...(error === undefined ? {} : { error }) };
  history.record({ type: 'invoke', f, ...settleFields(settle) });
  pending.set(delivery.messageId, [...(pending.get(delivery.messageId) ?? []), settle]);
};
const refused = (messageId: string, f: PendingSettle['f'], error: unknown) => {
  const list = pending.get(messageId) ?? [];
  const index = list.findIndex((settle) => settle.f === f);
  if (index < 0) return;
  const [settle] = list.splice(index, 1);
  const stale = error instanceof LeaseLostError || (error as Error)?.name === 'LeaseLostError';
  history.record({ type: stale ? 'fail' : 'info', f, ...settleFields(settle!), error: describe(error) });
};
const settleRemaining = () => {
  for (const settle of [...pending.values()].flat()) history.record({ type: 'ok', f: settle.f, time: settle.at, ...settleFields(settle) });
  pending.clear();
};
const logger: BrokerLogger = {
  log: () => undefined,
  warn: (message, ...context) => {
    const settle = /^Could not (ack|nack) (\S+) from /.exec(message);
    if (settle) refused(settle[2]!, settle[1] as PendingSettle['f'], context[0]);
    if (message.startsWith('LISTEN connection lost')) report('listen-lost');
  },
  error: () => undefined,
};

const broker = await Broker.connect({ connectionString: env('BROKER_URL'), schema: env('SCHEMA'), poolSize: 4, migrate: false, logger, applicationName: name });
const idleInTransactionMs = number('IDLE_IN_TRANSACTION_MS', '0');
const service = new pg.Pool({
  ...ERROR_LISTENING_POOL,
  connectionString: env('SERVICE_URL'),
  max: number('CONCURRENCY', '4') + 1,
  application_name: `${name}-service`,
  ...(idleInTransactionMs > 0 ? { idle_in_transaction_session_timeout: idleInTransactionMs } : {}),
});
service.on('error', () => undefined);
const inbox = Inbox.forPool(service, { schema: effectsSchema });

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

const consumer = await broker.consume<FaultPayload>(
  queue,
  async (delivery, control) => {
    const { value } = delivery.payload;
    const held = { value, messageId: delivery.messageId, deliveryId: delivery.id, leaseToken: delivery.leaseToken, attempt: delivery.attempt };
    history.record({ type: 'ok', f: 'deliver', ...held, claimedAt: delivery.leaseExpiresAt.getTime() - leaseMs, leaseExpiresAt: delivery.leaseExpiresAt.getTime() });
    report('delivered', { value, attempt: delivery.attempt });
    const heartbeat = heartbeatMs > 0 ? setInterval(() => void extend(delivery, held), heartbeatMs) : null;
    try {
      const work = () => sleep(minMs + Math.random() * (maxMs - minMs), control.signal);
      if (!workInTransaction) await work();
      history.record({ type: 'invoke', f: 'effect', ...held });
      const outcome = await inbox.process({ messageId: delivery.messageId, consumer: queue }, async (client) => {
        if (workInTransaction) await work();
        await writeEffect(client, effectsSchema, { value, messageId: delivery.messageId, process: name, attempt: delivery.attempt });
      });
      history.record({ type: outcome.processed ? 'ok' : 'fail', f: 'effect', ...held, ...(outcome.processed ? {} : { error: 'duplicate' }) });
    } catch (error) {
      history.record({ type: 'info', f: 'effect', ...held, error: describe(error) });
      // Aborted on stop: the consumer releases it (a settle that ends this lease); otherwise it nacks it.
      sent(delivery, 'nack', control.signal.aborted ? 'released on stop' : undefined);
      throw error;
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
    // Returning acks it, in the consumer's next batch.
    sent(delivery, 'ack');
  },
  {
    concurrency: number('CONCURRENCY', '4'),
    prefetch: number('PREFETCH', '0'),
    pollIntervalMs: number('POLL_INTERVAL_MS', '1000'),
    listen: env('LISTEN', '1') === '1',
    shutdownGraceMs: number('SHUTDOWN_GRACE_MS', '10000'),
    leaseMs,
  },
);

async function extend(delivery: Delivery<FaultPayload>, held: Record<string, unknown> & { value: string }): Promise<void> {
  history.record({ type: 'invoke', f: 'extend', ...held });
  try {
    const expiry = await broker.extendLease(delivery, leaseMs);
    delivery.leaseExpiresAt = expiry;
    history.record({ type: 'ok', f: 'extend', ...held, leaseExpiresAt: expiry.getTime() });
  } catch (error) {
    history.record({ type: error instanceof LeaseLostError ? 'fail' : 'info', f: 'extend', ...held, error: describe(error) });
  }
}

report('ready', { pid: process.pid });

process.once('SIGTERM', () => {
  report('sigterm');
  void (async () => {
    let failure: unknown;
    // stop() resolves once the last ack/nack batch is written: only then is "not refused" an answer.
    await consumer.stop().catch((error: unknown) => (failure = error));
    await broker.close().catch((error: unknown) => (failure ??= error));
    if (failure === undefined) settleRemaining();
    report('stopped', { handled: consumer.handled, ...(failure === undefined ? {} : { error: describe(failure) }) });
    await service.end().catch(() => undefined);
    process.exit(0);
  })();
});
