// What the Consumer-based fault tests (T04, T06–T10) share: a broker schema and queue, a service schema with the
// inbox and an effects table, a publisher that records its history, and workers (consumer-worker.ts) to start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Broker, survivingConnectionErrors, type QueueOptions } from '@app/messaging';
import { connectFaultDriver, drainQueue, HistoryRecorder, readEffects, setupEffects, type FaultDriver } from '../../../libs/messaging/testing/faults/index.js';
import { uniqueSchemaName } from '../../../libs/messaging/testing/index.js';

export const CONSUMER_WORKER = fileURLToPath(new URL('./consumer-worker.ts', import.meta.url));

export interface ConsumerWorkload {
  broker: Broker;
  url: string;
  schema: string;
  /** The service schema: the library's inbox and the harness's effects table (setupEffects). */
  effectsSchema: string;
  queue: string;
  /** Folder of the history files (one per process). */
  historyDir: string;
  publisher: Publisher;
  /** The environment a worker needs, plus its own settings. */
  workerEnv(name: string, settings?: Record<string, string | number>): Record<string, string>;
  /** Effect rows committed by the handlers (one per run that was not skipped by the inbox). */
  effects(): ReturnType<typeof readEffects>;
  admin: pg.Pool;
  /** Waits for the harness's drain (nothing ready or leased, 5 polls in a row); returns when the queue was empty. */
  drain(options?: { timeoutMs?: number }): Promise<number>;
  close(): Promise<void>;
}

/**
 * Declares a queue `label` in a fresh broker schema of the database at `url`, and a service schema (outbox/inbox
 * tables and `effects`) in the same database. The test process publishes; workers consume.
 */
export async function startConsumerWorkload(label: string, url: string, queueOptions: QueueOptions = {}): Promise<ConsumerWorkload> {
  const schema = uniqueSchemaName(label);
  const effectsSchema = `${schema}_svc`;
  const queue = label.replace(/[^a-z0-9]/gi, '-');
  const historyDir = mkdtempSync(join(tmpdir(), `pgm-${label}-history-`));
  const broker = await Broker.connect({ connectionString: url, schema, poolSize: 4, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
  await broker.declareQueue(queue, queueOptions);
  await broker.bindQueue(queue, `${queue}.#`);
  await setupEffects(url, effectsSchema);
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on('error', () => undefined);
  const driver: FaultDriver = await connectFaultDriver({ driver: 'postgres', url, schema, migrate: false, poolSize: 2 }); // the PostgreSQL Consumer's tests
  const publisher = new Publisher(broker, queue, new HistoryRecorder(join(historyDir, 'publisher.jsonl'), 'publisher'));
  return {
    broker,
    url,
    schema,
    effectsSchema,
    queue,
    historyDir,
    publisher,
    admin,
    workerEnv: (name, settings = {}) => ({
      BROKER_URL: url,
      SERVICE_URL: url,
      SCHEMA: schema,
      EFFECTS_SCHEMA: effectsSchema,
      QUEUE: queue,
      HISTORY_DIR: historyDir,
      PROCESS_NAME: name,
      ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, String(value)])),
    }),
    effects: () => readEffects(url, effectsSchema),
    drain: async (options = {}) => (await drainQueue(driver, queue, options)).drainedAt,
    close: async () => {
      await driver.close().catch(() => undefined);
      await broker.close().catch(() => undefined);
      const cleanup = survivingConnectionErrors(new pg.Client({ connectionString: url }));
      await cleanup.connect().catch(() => undefined);
      await cleanup.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${effectsSchema}" CASCADE`).catch(() => undefined);
      await cleanup.end().catch(() => undefined);
      await admin.end().catch(() => undefined);
      if (!process.env.KEEP_FAULT_HISTORY) rmSync(historyDir, { recursive: true, force: true });
    },
  };
}

/**
 * Publishes unique values `publisher-<n>` (the message id is the value), recording invoke and ok / fail / info. A
 * `silent` message is published with a 1 ms delay: the broker sends NOTIFY only for messages visible at once, so only
 * a poll (or a claim another wake-up causes) finds it.
 */
export class Publisher {
  private next = 0;
  /** Values whose publish returned, with the time it returned and whether it was silent. */
  readonly published = new Map<string, { at: number; silent: boolean }>();

  constructor(
    private readonly broker: Broker,
    private readonly queue: string,
    private readonly history: HistoryRecorder,
  ) {}

  async publish(options: { silent?: boolean } = {}): Promise<boolean> {
    const value = `publisher-${this.next++}`;
    this.history.record({ type: 'invoke', f: 'publish', value, messageId: value });
    try {
      await this.broker.publish({ routingKey: `${this.queue}.work`, payload: { value }, messageId: value, ...(options.silent ? { delayMs: 1 } : {}) });
      this.history.record({ type: 'ok', f: 'publish', value, messageId: value });
      this.published.set(value, { at: Date.now(), silent: options.silent ?? false });
      return true;
    } catch (error) {
      // A connection error during a publish: it may or may not have committed.
      this.history.record({ type: 'info', f: 'publish', value, messageId: value, error: String((error as Error)?.message ?? error) });
      return false;
    }
  }

  /** Publishes one message every `everyMs` until `until` resolves; `silentEvery` makes one in that many silent. */
  async steady(everyMs: number, until: Promise<unknown>, silentEvery = 0): Promise<number> {
    let stop = false;
    void until.then(() => (stop = true));
    let count = 0;
    while (!stop) {
      await this.publish({ silent: silentEvery > 0 && count % silentEvery === silentEvery - 1 });
      count++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return count;
  }
}
