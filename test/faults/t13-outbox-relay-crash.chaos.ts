// T13 (docs/reliability.md): outbox relays SIGKILLed at random moments and, timed off the broker's arrival
// NOTIFY, between the broker accepting a batch and the outbox rows being deleted. Every committed order's event
// arrives, its effect happens once (inbox), and a rolled-back order publishes nothing.
import { Inbox, Outbox } from '@app/messaging';
import type { TsProcess } from '@app/messaging/testing';
import { faultProfile, recordFaultReport, sized } from '@app/messaging/testing/faults';
import { drain, duplicateEffects, outboxCount, tally, tallyFigures } from './outbox-kit/delivery-tally.js';
import { RelayFleet } from './outbox-kit/relay-fleet.js';
import { createOutboxRig, type OutboxRig } from './outbox-kit/outbox-rig.js';
import { between, SERVICE_SCHEMA, sleep } from './outbox-kit/service-database.js';

const QUEUE = 't13.orders';
const LOAD_SECONDS = sized(10, 80);
const PRODUCERS = 3;
/** Each way, between the relays and the service database: the delete and commit after a send take ~4 round trips of it. */
const SERVICE_DELAY_MS = 4;

describe('T13 outbox relay crash windows', () => {
  let rig: OutboxRig;
  const outbox = new Outbox({ schema: SERVICE_SCHEMA });

  beforeAll(async () => {
    rig = await createOutboxRig('t13', { queue: QUEUE, pattern: 'order.created', poolSize: 12, serviceDelayMs: SERVICE_DELAY_MS });
  });
  afterAll(() => rig?.close());

  it('delivers every committed order once, never a rolled-back one, through relays killed between publish and mark', async () => {
    const startedAt = Date.now();
    const { t, svc } = rig;
    const committedAt = new Map<string, number>(); // message id → commit time
    const rolledBack = new Set<string>(); // message ids
    const deliveries: { messageId: string; at: number }[] = [];
    let inboxSkips = 0;

    const inbox = Inbox.forPool(svc.pool, { schema: SERVICE_SCHEMA });
    const consumer = await t.broker.consume<{ orderId: string }>(
      QUEUE,
      async (d) => {
        deliveries.push({ messageId: d.messageId, at: Date.now() });
        const result = await inbox.process({ messageId: d.messageId, consumer: QUEUE }, (tx) =>
          tx.query(`INSERT INTO effects (order_id, step, message_id) VALUES ($1, 'created', $2)`, [d.payload.orderId, d.messageId]),
        );
        if (!result.processed) inboxSkips++;
      },
      { concurrency: 4, pollIntervalMs: 200 },
    );

    const fleet = await rig.startRelays(2, 20, () => between(100, 400));

    // The broker NOTIFYs when a publish into the queue commits: the moment a relay's batch was accepted.
    let arrival: (() => void) | null = null;
    await t.broker.onWakeUp(QUEUE, () => arrival?.());
    const nextArrival = () => Promise.race([new Promise<void>((resolve) => (arrival = resolve)), sleep(3_000)]).finally(() => (arrival = null));

    /** Rows of this batch still in the outbox and locked by a transaction: the relay has not deleted them yet. */
    const heldInOutbox = async (ids: string[]): Promise<boolean> => {
      if (ids.length === 0) return false;
      const client = await svc.pool.connect();
      try {
        await client.query('BEGIN');
        const present = (await client.query(`SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.outbox WHERE message_id = ANY($1)`, [ids])).rows[0].n;
        const free = (await client.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${SERVICE_SCHEMA}.outbox WHERE message_id = ANY($1) FOR UPDATE SKIP LOCKED) x`, [ids])).rows[0].n;
        return present === ids.length && free === 0;
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };

    const faults = { windowKills: 0, windowMisses: 0, randomKills: 0 };
    const loadEnds = Date.now() + LOAD_SECONDS * 1000;
    const windowNemesis = async () => {
      while (Date.now() < loadEnds) {
        await sleep(between(300, 1200));
        await nextArrival();
        const stopped = fleet.live();
        stopped.forEach((relay) => relay.kill('SIGSTOP'));
        await sleep(25); // let the relays' last 'sent' lines reach us
        let killed = 0;
        for (const relay of stopped) {
          if (await heldInOutbox(RelayFleet.lastSent(relay))) {
            relay.kill('SIGKILL');
            killed++;
          }
        }
        stopped.forEach((relay: TsProcess) => relay.kill('SIGCONT'));
        if (killed > 0) faults.windowKills += killed;
        else faults.windowMisses++;
      }
    };
    const randomNemesis = async () => {
      while (Date.now() < loadEnds) {
        await sleep(between(1500, 3500));
        const live = fleet.live();
        if (live.length === 0) continue;
        live[Math.floor(Math.random() * live.length)].kill('SIGKILL');
        faults.randomKills++;
      }
    };
    const producer = async () => {
      while (Date.now() < loadEnds) {
        const client = await svc.pool.connect();
        try {
          await client.query('BEGIN');
          const orderId = String((await client.query(`INSERT INTO orders (status) VALUES ('new') RETURNING id`)).rows[0].id);
          const messageId = `order-${orderId}-created`;
          await outbox.publish({ routingKey: 'order.created', messageId, payload: { orderId } }, { transaction: client });
          if (Math.random() < 0.15) {
            await client.query('ROLLBACK');
            rolledBack.add(messageId);
          } else {
            await client.query('COMMIT');
            committedAt.set(messageId, Date.now());
          }
        } finally {
          client.release();
        }
        await sleep(between(5, 60));
      }
    };
    await Promise.all([windowNemesis(), randomNemesis(), ...Array.from({ length: PRODUCERS }, producer)]);

    const drainSeconds = await drain(svc.pool, () => committedAt.keys(), () => new Set(deliveries.map((d) => d.messageId)));
    await fleet.stop();
    await consumer.stop();

    const result = tally(committedAt, deliveries);
    const doubled = await duplicateEffects(svc.pool);
    const outboxLeft = await outboxCount(svc.pool);
    const republished = [...fleet.sentCounts().values()].filter((n) => n > 1).length;
    recordFaultReport({
      id: 'T13',
      title: 'Outbox relay crash windows',
      schedule: `${PRODUCERS} producers for ${LOAD_SECONDS} s (15% of business transactions rolled back), 2 relay processes (reaching the service database through a proxy adding ${SERVICE_DELAY_MS} ms each way) restarted 0.1-0.4 s after each death; every 0.3-1.2 s both relays SIGSTOPped on the broker's arrival NOTIFY and the one still holding its sent batch in the outbox SIGKILLed; every 1.5-3.5 s a relay SIGKILLed at a random moment`,
      profile: faultProfile(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      figures: tallyFigures(
        result,
        { attempted: committedAt.size + rolledBack.size, acknowledged: committedAt.size, duplicateEffects: doubled },
        { 'SIGKILL between publish and mark': faults.windowKills, 'SIGKILL at a random moment': faults.randomKills },
        {
          rolledBack: rolledBack.size,
          ghostsOfRolledBackOrders: result.ghosts.filter((id) => rolledBack.has(id)).length,
          republishedMessages: republished,
          windowAttemptsMissed: faults.windowMisses,
          inboxDuplicatesSkipped: inboxSkips,
          relayProcessesStarted: fleet.lives.length,
          outboxRowsLeft: outboxLeft,
          drainSeconds,
        },
      ),
    });

    expect({ lost: result.lost.length, ghosts: result.ghosts.length, duplicateEffects: doubled, duplicatedDeliveries: result.duplicatedDeliveries, outboxLeft }).toEqual({
      lost: 0,
      ghosts: 0,
      duplicateEffects: 0,
      duplicatedDeliveries: 0,
      outboxLeft: 0,
    });
    // The fault happened: relays died holding batches the broker had accepted, and those were sent again.
    expect(faults.windowKills).toBeGreaterThan(0);
    expect(republished).toBeGreaterThanOrEqual(faults.windowKills);
    expect(rolledBack.size).toBeGreaterThan(0);
  });
});
