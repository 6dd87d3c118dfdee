import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { assertDurable, checkLeases, connectFaultDriver, historyFiles, readHistory, startPostgresFixture, Supervisor, WORKLOAD, type FaultDriver, type PostgresFixture } from '../testing/faults/index.js';
import { waitFor } from '../testing/index.js';

describe('the fault harness', () => {
  let server: PostgresFixture;
  let driver: FaultDriver;
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    server = await startPostgresFixture({ label: 'harness' });
    driver = await connectFaultDriver({ url: server.url, schema: 'harness' });
  });
  afterAll(async () => {
    await driver?.close();
    await server?.cleanStop();
  });

  it('the fixture checks the durability settings, and a crash keeps what was committed', async () => {
    // A per-database setting beats the server's command line for new sessions: the check must see it.
    await query('ALTER DATABASE postgres SET synchronous_commit = off');
    await expect(assertDurable(server.url)).rejects.toThrow('synchronous_commit is off');
    await query('ALTER DATABASE postgres RESET synchronous_commit');
    await assertDurable(server.url);

    await driver.setupQueue({ name: 'kept', leaseMs: 5_000 });
    await driver.publish('kept', [{ value: 'pub-0' }, { value: 'pub-1' }]);
    await server.crash();
    expect((await server.exited).signal).toBe('SIGKILL');
    expect(server.crashes).toBe(1);
    await server.restart();
    await waitFor(async () => driver.counts('kept').catch(() => undefined), { timeoutMs: 20_000, what: 'the driver to reconnect' });
    expect(await driver.counts('kept')).toEqual({ ready: 2, leased: 0, dead: 0 });
  });

  it('the driver claims with server times, refuses a stale token, and dead-letters', async () => {
    await driver.setupQueue({ name: 'leases', leaseMs: 300, maxAttempts: 2, retryBaseMs: 0 });
    await driver.publish('leases', [{ value: 'pub-0', key: 'k', seq: 0 }]);
    const [before] = await query('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t');
    const [first] = await driver.claim('leases', { limit: 5 });
    const [after] = await query('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t');
    expect(first).toMatchObject({ value: 'pub-0', key: 'k', seq: 0, attempt: 1 });
    expect(first.claimedAt).toBeGreaterThanOrEqual(Number(before.t));
    expect(first.claimedAt).toBeLessThanOrEqual(Number(after.t));
    expect(first.leaseExpiresAt - first.claimedAt).toBeCloseTo(300, 0);
    expect(await driver.counts('leases')).toEqual({ ready: 0, leased: 1, dead: 0 });

    const second = await waitFor(async () => (await driver.claim('leases', { limit: 1 }))[0], { what: 'the lease to run out' });
    expect(second).toMatchObject({ messageId: first.messageId, attempt: 2 });
    expect(await driver.ack(first)).toBe(false);
    expect(await driver.extend(first, 1_000)).toBe(false);
    expect(await driver.nack(first)).toEqual({ accepted: false, deadLettered: false });
    expect(await driver.extend(second, 1_000)).toBe(true);
    expect(await driver.nack(second, { error: 'last attempt' })).toEqual({ accepted: true, deadLettered: true });
    expect(await driver.deadLettered('leases')).toEqual(['pub-0']);
    expect(await driver.counts('leases')).toEqual({ ready: 0, leased: 0, dead: 1 });

    await driver.publishToQueue('leases', [{ value: 'pub-1', messageId: 'same' }, { value: 'pub-1', messageId: 'same' }]);
    const copies = await driver.claim('leases', { limit: 5 });
    expect(copies.map((c) => c.messageId)).toEqual(['same', 'same']);
    expect(new Set(copies.map((c) => c.deliveryId)).size).toBe(2);
    expect(await Promise.all(copies.map((c) => driver.ack(c)))).toEqual([true, true]);
  });

  it('the supervisor signals workload processes by name and pid, restarts them under their name, and counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgm-harness-'));
    const sup = new Supervisor({ DATABASE_URL: server.url, SCHEMA: 'harness', HISTORY_DIR: dir });
    try {
      await driver.setupQueue({ name: 'sup', leaseMs: 5_000 });
      const consumer = sup.start('consumer-1', WORKLOAD.consumer, { QUEUE: 'sup', BATCH: '1' });
      await consumer.waitForEvents('ready');
      sup.pause(sup.pid('consumer-1'));
      const publisher = sup.start('publisher-1', WORKLOAD.publisher, { ROUTING_KEY: 'sup', COUNT: '3' });
      await publisher.waitForEvents('done');
      await waitFor(async () => (await driver.counts('sup')).ready === 3, { what: 'the 3 messages waiting' });
      expect(consumer.named('delivered')).toHaveLength(0); // paused: it cannot claim
      sup.resume('consumer-1');
      await consumer.waitForEvents('acked', 3);
      sup.kill('consumer-1');
      expect((await sup.waitForExit('consumer-1')).signal).toBe('SIGKILL');
      const again = await sup.restart('consumer-1');
      await again.waitForEvents('ready');
      expect(sup.running()).toEqual(['consumer-1']);
      expect(sup.counts).toEqual({ SIGSTOP: 1, SIGCONT: 1, SIGKILL: 1, restart: 1 });

      const history = readHistory(historyFiles(dir));
      expect(history.filter((e) => e.f === 'publish' && e.type === 'ok').map((e) => e.value)).toEqual(['publisher-1-0', 'publisher-1-1', 'publisher-1-2']);
      expect(history.filter((e) => e.f === 'ack' && e.type === 'ok' && e.process === 'consumer-1')).toHaveLength(3);
    } finally {
      await sup.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a consumer with EXTEND_EVERY_MS keeps a job longer than its lease: extends recorded, no redelivery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgm-harness-'));
    const sup = new Supervisor({ DATABASE_URL: server.url, SCHEMA: 'harness', HISTORY_DIR: dir });
    try {
      await driver.setupQueue({ name: 'long', leaseMs: 500 });
      const env = { QUEUE: 'long', BATCH: '1', HANDLER_MIN_MS: '1500', HANDLER_MAX_MS: '1500', EXTEND_EVERY_MS: '150' };
      const consumers = ['consumer-1', 'consumer-2'].map((name) => sup.start(name, WORKLOAD.consumer, env));
      await Promise.all(consumers.map((c) => c.waitForEvents('ready')));
      await driver.publish('long', [{ value: 'pub-0' }]);
      await waitFor(() => consumers.some((c) => c.named('acked').length > 0), { what: 'the ack' });
      const history = readHistory(historyFiles(dir));
      expect(history.filter((e) => e.f === 'extend' && e.type === 'ok').length).toBeGreaterThanOrEqual(5);
      expect(history.filter((e) => e.f === 'deliver').map((e) => e.attempt)).toEqual([1]);
      expect(checkLeases(history)).toMatchObject({ valid: true, overlaps: [] });
    } finally {
      await sup.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
