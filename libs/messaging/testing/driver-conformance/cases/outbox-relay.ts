import { Inbox, Outbox } from '../../../src/index.js';
import { createServiceDatabase, TEST_SERVICE_SCHEMA, type ServiceDatabase } from '../../service-database.js';
import { waitFor } from '../../wait-for.js';
import { sleep, within, type ConformanceContext } from '../conformance-context.js';

const MESSAGES = 30;
const BATCH_SIZE = 10;

export function describeOutboxRelay(ctx: ConformanceContext): void {
  describe('the outbox relay', () => {
    let svc: ServiceDatabase;
    beforeAll(async () => {
      svc = await createServiceDatabase('conformance_service', 4);
    });
    afterAll(() => svc?.drop());

    it('killed between publish and mark, then restarted: every message has one effect through the inbox', async () => {
      const queue = await ctx.queue('outbox');
      const outbox = new Outbox({ schema: TEST_SERVICE_SCHEMA });
      const client = await svc.pool.connect();
      try {
        await client.query('BEGIN');
        for (let i = 0; i < MESSAGES; i++) await outbox.publish({ routingKey: queue, messageId: `${queue}-${i}`, payload: { orderId: i } }, { transaction: client });
        await client.query('COMMIT');
      } finally {
        client.release();
      }

      const delivered: string[] = [];
      const inbox = Inbox.forPool(svc.pool, { schema: TEST_SERVICE_SCHEMA });
      await ctx.consume<{ orderId: number }>(queue, async (d) => {
        delivered.push(d.messageId);
        await inbox.process({ messageId: d.messageId, consumer: queue }, (tx) =>
          tx.query(`INSERT INTO effects (order_id, step, message_id) VALUES ($1, 'created', $2)`, [d.payload.orderId, d.messageId]),
        );
      }, { concurrency: 4 });

      const env = { SERVICE_URL: svc.db.url, SERVICE_SCHEMA: TEST_SERVICE_SCHEMA, BATCH_SIZE: String(BATCH_SIZE) };
      const restarted = ctx.child('outbox-relay', { ...env, START_ON_SIGNAL: '1' });
      const crashing = ctx.child('outbox-relay', { ...env, CRASH_AFTER_SEND: '1' });
      const exit = await within(crashing.exited, 20_000, () => `the relay to kill itself after its first batch (stderr: ${crashing.errorOutput.slice(-2_000)})`);
      expect(exit.signal).toBe('SIGKILL');
      const [sent] = crashing.named('sent');
      expect(sent.messageIds).toHaveLength(BATCH_SIZE);
      const outboxLeft = async () => (await svc.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TEST_SERVICE_SCHEMA}.outbox`)).rows[0].n;
      expect(await outboxLeft()).toBe(MESSAGES); // the killed relay's batch was published but not marked

      await restarted.waitForEvents('loaded', 1, 30_000);
      restarted.kill('SIGUSR2');
      await restarted.waitForEvents('ready', 1, 30_000);
      const effects = async () => (await svc.pool.query<{ message_id: string; n: number }>(`SELECT message_id, count(*)::int AS n FROM effects GROUP BY message_id`)).rows;
      await waitFor(async () => (await effects()).length === MESSAGES && (await outboxLeft()) === 0, { timeoutMs: 20_000, what: 'every message relayed and handled' });
      await sleep(300);

      const rows = await effects();
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
      expect(rows.map((r) => r.message_id).sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `${queue}-${i}`).sort());
      const resent = restarted.named('sent').flatMap((e) => e.messageIds as string[]);
      expect(resent).toEqual(expect.arrayContaining(sent.messageIds as string[]));
      // With a broker-side window the resend is dropped; without it the inbox alone keeps the effect single.
      if (ctx.broker.capabilities.deduplicationWindow) expect(delivered.length).toBe(MESSAGES);
      else expect(delivered.length).toBeGreaterThanOrEqual(MESSAGES);
    });
  });
}
