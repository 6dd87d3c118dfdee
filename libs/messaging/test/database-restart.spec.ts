import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../src/index.js';
import { startEmbeddedPostgres, waitFor, type RunningPostgres } from '../testing/index.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('a database restart under load', () => {
  let server: RunningPostgres;
  let dataDir: string;

  beforeAll(async () => {
    // Its own server, since the test stops it: the shared test database must stay up.
    dataDir = mkdtempSync(join(tmpdir(), 'pgm-restart-'));
    server = await startEmbeddedPostgres({ dataDir });
  });
  afterAll(async () => {
    await server.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing: consumers reconnect and every published message is handled at least once', async () => {
    const broker = await Broker.connect({ connectionString: server.url, schema: 'restart', poolSize: 4, logger: silent });
    await broker.declareQueue('work', { leaseMs: 1000, retryBaseMs: 10 });
    await broker.bindQueue('work', 'work');
    const total = 3000;
    const { messageIds } = await broker.publish(Array.from({ length: total }, (_, n) => ({ routingKey: 'work', payload: n })));

    const handled = new Map<string, number>();
    const consumer = await broker.consume('work', async (d) => {
      handled.set(d.messageId, (handled.get(d.messageId) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
    }, { concurrency: 10, pollIntervalMs: 100 });

    await waitFor(() => handled.size >= 300, { what: 'the drain to get going' });
    await server.stop();
    // While the server is down, a publish fails loudly rather than pretending.
    await expect(broker.publish({ routingKey: 'work', payload: 'during outage' })).rejects.toThrow();
    await server.start();

    await waitFor(() => messageIds.every((id) => handled.has(id)), { timeoutMs: 60_000, what: 'every message after the restart' });
    await waitFor(async () => {
      const stats = await broker.queueStats('work');
      return stats.ready + stats.leased + stats.leaseExpired + stats.delayed === 0;
    }, { timeoutMs: 30_000, what: 'the queue to empty' });
    await consumer.stop();
    await broker.close();

    const duplicates = [...handled.values()].filter((n) => n > 1).length;
    console.log(`database restart: ${total} messages, ${duplicates} handled more than once (at-least-once), none lost`);
    expect(handled.size).toBe(total);
  });
});
