// T14 (docs/reliability.md): four relays share an outbox whose rows commit out of id order (each producer
// takes its outbox id, then sleeps before COMMIT: the trap of event-driven.io's "ordering in Postgres outbox"), with
// three events per order (created, paid, shipped) under one ordering key. No committed row is skipped, each key
// reaches the broker in order, and no event is handed over twice. Relays are paused (SIGSTOP) now and then.
import { Inbox, Outbox } from '@app/messaging';
import { faultProfile, recordFaultReport, sized } from '@app/messaging/testing/faults';
import { drain, duplicateEffects, outboxCount, tally, tallyFigures } from './outbox-kit/delivery-tally.js';
import { createOutboxRig, type OutboxRig } from './outbox-kit/outbox-rig.js';
import { between, SERVICE_SCHEMA, sleep } from './outbox-kit/service-database.js';

const QUEUE = 't14.events';
const STEPS = ['created', 'paid', 'shipped'] as const;
const LOAD_SECONDS = sized(10, 90);
const PRODUCERS = 12;
/**
 * Each way, between the relays and the service database: a relay round (begin, claim, delete, commit) then takes
 * tens of ms, so an order's next event often commits while its previous one is still in a relay's hands.
 */
const SERVICE_DELAY_MS = 3;

interface Committed {
  orderId: string;
  seq: number;
  outboxId: number;
  at: number;
}

describe('T14 concurrent relays, commit-order gaps, per-key order', () => {
  let rig: OutboxRig;
  const outbox = new Outbox({ schema: SERVICE_SCHEMA });

  beforeAll(async () => {
    rig = await createOutboxRig('t14', { queue: QUEUE, pattern: 'order.*', poolSize: PRODUCERS + 4, serviceDelayMs: SERVICE_DELAY_MS });
  });
  afterAll(() => rig?.close());

  it('relays every committed row, each order in order, none twice', async () => {
    const startedAt = Date.now();
    const { t, svc } = rig;
    const committed = new Map<string, Committed>();
    const commitOrder: number[] = []; // outbox ids in the order their transactions committed
    const rolledBack = new Set<string>();
    const deliveries: { messageId: string; orderId: string; seq: number; brokerId: bigint; at: number }[] = [];

    const inbox = Inbox.forPool(svc.pool, { schema: SERVICE_SCHEMA });
    // One consumer handling one message at a time: the order it handles them in is the broker's delivery order.
    const consumer = await t.broker.consume<{ orderId: string; seq: number; step: string }>(
      QUEUE,
      async (d) => {
        deliveries.push({ messageId: d.messageId, orderId: d.payload.orderId, seq: d.payload.seq, brokerId: BigInt(d.id), at: Date.now() });
        await inbox.process({ messageId: d.messageId, consumer: QUEUE }, (tx) =>
          tx.query(`INSERT INTO effects (order_id, step, message_id) VALUES ($1, $2, $3)`, [d.payload.orderId, d.payload.step, d.messageId]),
        );
      },
      { concurrency: 1, prefetch: 20, pollIntervalMs: 200 },
    );
    const fleet = await rig.startRelays(4, 10, () => 200);

    /** One business transaction writing one event; it takes its outbox id, then sleeps up to 150 ms before COMMIT or ROLLBACK. */
    const step = async (orderId: string | null, seq: number, attempt: number): Promise<string | null> => {
      const client = await svc.pool.connect();
      try {
        await client.query('BEGIN');
        const id =
          orderId ??
          String((await client.query(`INSERT INTO orders (status) VALUES ('created') RETURNING id`)).rows[0].id);
        if (orderId !== null) {
          const updated = await client.query(`UPDATE orders SET status = $2 WHERE id = $1 AND status = $3`, [id, STEPS[seq], STEPS[seq - 1]]);
          if (updated.rowCount !== 1) throw new Error(`order ${id} is not ${STEPS[seq - 1]}`);
        }
        const messageId = `order-${id}-${STEPS[seq]}-${attempt}`;
        await outbox.publish({ routingKey: `order.${STEPS[seq]}`, messageId, payload: { orderId: id, seq, step: STEPS[seq] }, orderingKey: `order-${id}` }, { transaction: client });
        const outboxId = Number((await client.query(`SELECT id FROM ${SERVICE_SCHEMA}.outbox WHERE message_id = $1`, [messageId])).rows[0].id);
        await client.query(`SELECT pg_sleep($1)`, [Math.random() * 0.15]);
        if (Math.random() < 0.1) {
          await client.query('ROLLBACK');
          rolledBack.add(messageId);
          return null;
        }
        await client.query('COMMIT');
        committed.set(messageId, { orderId: id, seq, outboxId, at: Date.now() });
        commitOrder.push(outboxId);
        return id;
      } finally {
        client.release();
      }
    };

    const loadEnds = Date.now() + LOAD_SECONDS * 1000;
    const producer = async () => {
      while (Date.now() < loadEnds) {
        let orderId: string | null = null;
        for (let seq = 0; seq < STEPS.length; seq++) {
          let done: string | null = null;
          for (let attempt = 1; done === null; attempt++) done = await step(orderId, seq, attempt);
          orderId = done;
          await sleep(between(0, 20));
        }
      }
    };
    let pauses = 0;
    const pauser = async () => {
      while (Date.now() < loadEnds) {
        await sleep(between(200, 1000));
        const live = fleet.live();
        const victim = live[Math.floor(Math.random() * live.length)];
        if (!victim) continue;
        victim.kill('SIGSTOP');
        pauses++;
        await sleep(between(100, 600));
        victim.kill('SIGCONT');
      }
    };
    await Promise.all([pauser(), ...Array.from({ length: PRODUCERS }, producer)]);

    const committedAt = () => new Map([...committed].map(([id, c]) => [id, c.at]));
    const drainSeconds = await drain(svc.pool, () => committed.keys(), () => new Set(deliveries.map((d) => d.messageId)));
    await fleet.stop();
    await consumer.stop();

    const result = tally(committedAt(), deliveries);
    const sentTwice = [...fleet.sentCounts().values()].filter((n) => n > 1).length;
    // The broker's row ids are its arrival order; the consumer's handling order is the deliveries array.
    const byOrder = new Map<string, typeof deliveries>();
    for (const d of deliveries) byOrder.set(d.orderId, [...(byOrder.get(d.orderId) ?? []), d]);
    let brokerReorders = 0;
    let consumerReorders = 0;
    for (const events of byOrder.values()) {
      const bySeq = [...events].sort((a, b) => a.seq - b.seq);
      if (bySeq.some((e, i) => i > 0 && e.brokerId <= bySeq[i - 1].brokerId)) brokerReorders++;
      if (events.some((e, i) => i > 0 && e.seq <= events[i - 1].seq)) consumerReorders++;
    }
    // Rows that committed below the highest outbox id already committed: an `id > last seen` relay could skip each.
    let highWater = 0;
    let belowHighWater = 0;
    for (const id of commitOrder) {
      if (id < highWater) belowHighWater++;
      highWater = Math.max(highWater, id);
    }
    const doubled = await duplicateEffects(svc.pool);
    const outboxLeft = await outboxCount(svc.pool);

    recordFaultReport({
      id: 'T14',
      title: 'Concurrent relays, commit-order gaps, per-key order',
      schedule: `${PRODUCERS} producers for ${LOAD_SECONDS} s writing created → paid → shipped per order (one ordering key), each transaction sleeping 0-150 ms after taking its outbox id, 10% rolled back and retried; 4 relay processes (batch 10) reaching the service database through a proxy adding ${SERVICE_DELAY_MS} ms each way; every 0.2-1 s one relay paused 0.1-0.6 s (SIGSTOP/SIGCONT)`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      figures: tallyFigures(
        result,
        { attempted: committed.size + rolledBack.size, acknowledged: committed.size, duplicateEffects: doubled },
        { SIGSTOP: pauses },
        {
          orders: byOrder.size,
          rolledBackTransactions: rolledBack.size,
          committedBelowHighWaterMark: belowHighWater,
          skippedRows: result.lost.length,
          publishedTwice: sentTwice,
          perKeyReordersAtBroker: brokerReorders,
          perKeyReordersAtConsumer: consumerReorders,
          outboxRowsLeft: outboxLeft,
          drainSeconds,
          relayProcessesStarted: fleet.lives.length,
        },
      ),
    });

    const duplicatedDeliveries = result.duplicatedDeliveries;
    expect({ skipped: result.lost.length, ghosts: result.ghosts.length, sentTwice, duplicatedDeliveries, brokerReorders, duplicateEffects: doubled, outboxLeft }).toEqual({
      skipped: 0,
      ghosts: 0,
      sentTwice: 0,
      duplicatedDeliveries: 0,
      brokerReorders: 0,
      duplicateEffects: 0,
      outboxLeft: 0,
    });
    // The trap was set: rows did commit below ids already committed, and rolled-back rows existed.
    expect(belowHighWater).toBeGreaterThan(0);
    expect(rolledBack.size).toBeGreaterThan(0);
  });
});
