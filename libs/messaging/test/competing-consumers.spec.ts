import { fileURLToPath } from 'node:url';
import { createTestBroker, TsProcess, waitFor, type TestBroker } from '../testing/index.js';

const CONSUMER = fileURLToPath(new URL('./fixtures/consumer-process.ts', import.meta.url));

describe('competing consumers in separate processes', () => {
  let t: TestBroker;
  const processes: TsProcess[] = [];

  beforeAll(async () => {
    t = await createTestBroker('competing');
  });
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await t.cleanup();
  });

  function startConsumer(env: Record<string, string>): TsProcess {
    const p = new TsProcess(CONSUMER, { DATABASE_URL: t.url, SCHEMA: t.schema, ...env });
    processes.push(p);
    return p;
  }

  it('drain thousands of messages: every message is handled once, none twice', async () => {
    const total = 6000;
    await t.broker.declareQueue('work');
    await t.broker.bindQueue('work', 'jobs.#');
    const consumers = [1, 2, 3].map(() => startConsumer({ QUEUE: 'work', MODE: 'ack', CONCURRENCY: '20' }));
    await Promise.all(consumers.map((c) => c.waitForEvents('ready')));

    const started = performance.now();
    const ids: string[] = [];
    for (let batch = 0; batch < total / 1000; batch++) {
      const messages = Array.from({ length: 1000 }, (_, i) => ({ routingKey: `jobs.${i % 7}`, payload: { n: batch * 1000 + i } }));
      ids.push(...(await t.broker.publish(messages)).messageIds);
    }
    await waitFor(() => consumers.reduce((n, c) => n + c.named('handled').length, 0) >= total, { timeoutMs: 60_000, what: 'all messages' });
    const seconds = (performance.now() - started) / 1000;

    for (const c of consumers) c.kill('SIGTERM');
    const stops = await Promise.all(consumers.map((c) => c.exited));
    expect(stops.map((s) => s.code)).toEqual([0, 0, 0]);

    const handled = consumers.flatMap((c) => c.named('handled').map((e) => e.messageId as string));
    const perConsumer = consumers.map((c) => c.named('handled').length);
    console.log(`competing consumers: ${total} messages in ${seconds.toFixed(2)} s (${Math.round(total / seconds)} msg/s, publish included); split ${perConsumer.join('/')}`);

    expect(handled).toHaveLength(total);
    expect(new Set(handled).size).toBe(total);
    expect(new Set(handled)).toEqual(new Set(ids));
    expect(perConsumer.every((n) => n > 0)).toBe(true);
    expect(consumers.flatMap((c) => c.named('handled')).every((e) => e.attempt === 1)).toBe(true);
    expect(await t.broker.queueStats('work')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('a consumer killed with SIGKILL while holding messages: they are redelivered after the lease with attempt 2', async () => {
    const leaseMs = 2500;
    await t.broker.declareQueue('fragile', { leaseMs });
    await t.broker.bindQueue('fragile', 'fragile');
    const victim = startConsumer({ QUEUE: 'fragile', MODE: 'hold', CONCURRENCY: '4', PREFETCH: '0' });
    await victim.waitForEvents('ready');
    const publishedAt = Date.now();
    const { messageIds } = await t.broker.publish(Array.from({ length: 4 }, (_, n) => ({ routingKey: 'fragile', payload: { n } })));
    const held = await victim.waitForEvents('holding', 4);
    expect(new Set(held.map((e) => e.messageId))).toEqual(new Set(messageIds));
    victim.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    // Still leased to the dead process: nobody may take them before the lease runs out.
    expect(await t.broker.queueStats('fragile')).toMatchObject({ leased: 4, ready: 0 });

    const redelivered: { messageId: string; attempt: number; at: number }[] = [];
    const consumer = await t.broker.consume('fragile', (d) => {
      redelivered.push({ messageId: d.messageId, attempt: d.attempt, at: Date.now() });
    }, { pollIntervalMs: 100 });
    await waitFor(() => redelivered.length >= 4, { what: 'redelivery of the held messages' });
    await consumer.stop();

    expect(new Set(redelivered.map((r) => r.messageId))).toEqual(new Set(messageIds));
    expect(redelivered.map((r) => r.attempt)).toEqual([2, 2, 2, 2]);
    // The claim came after the publish began, so the lease ran until at least publishedAt + leaseMs.
    expect(Math.min(...redelivered.map((r) => r.at))).toBeGreaterThanOrEqual(publishedAt + leaseMs - 20);
    expect(await t.broker.queueStats('fragile')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
  });
});
