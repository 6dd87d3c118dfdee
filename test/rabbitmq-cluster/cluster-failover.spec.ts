import { reportDidNotRun, rabbitMqScriptsDir, startRabbitMqCluster, waitFor, type RabbitMqCluster } from '@app/messaging/testing';
import { recordFaultReport } from '@app/messaging/testing/faults';
import type { ClusterClient } from './cluster-client.js';
import { driverClusterClient } from './driver-cluster-client.js';
import { failoverFigures, type FailoverObservations } from './failover-figures.js';

// Issue 10 item 5: three RabbitMQ nodes of the test's own, clustered with join_cluster, one quorum queue on all
// three; the leader's Erlang VM is SIGKILLed while a consumer drains a backlog and a producer still publishes. Both
// clients are the RabbitMQ driver (RabbitMqBroker with every node's URL), start on the leader and must carry on
// through another node: every confirmed id consumed, duplicates counted. The figures go to test/faults/results/R01.json like the fault tests' (docs/reliability.md).
const QUEUE = 'cluster-failover';
/** Published before the consumer starts: the backlog the kill interrupts. */
const BACKLOG = 2_000;
/** Published while the consumer drains, across the kill. */
const LIVE = 2_000;
/** Publishes awaiting their confirm at once, during the drain. */
const PUBLISH_WINDOW = 20;
/** The kill comes once the consumer has this many ids. */
const KILL_AFTER_CONSUMED = BACKLOG / 2;

/** The client under test. */
const connectClient = (urls: string[]) => driverClusterClient({ urls, queue: QUEUE });

const notRun = !process.env.RABBITMQ_URL ? 'RABBITMQ_URL is not set' : !rabbitMqScriptsDir() ? 'rabbitmq-server is not installed here' : undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Failed publishes by error and reason ("PublishNotConfirmedError: nacked by RabbitMQ"), for the figures. */
const publishFailures: Record<string, number> = {};
const failureKind = (error: unknown) => {
  const { name = 'Error', message = String(error) } = error as Error;
  const reason = /\(([^()]+)\); they may/.exec(message)?.[1] ?? message.replace(/\d+/g, 'N');
  return `${name}: ${reason}`.slice(0, 120);
};

/** At least once: publishes each id again until a node confirms it, `window` ids at a time. */
async function publishAll(client: ClusterClient, ids: readonly string[], window: number, confirmed: Map<string, { at: number; sends: number }>) {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      for (let sends = 1; ; sends++) {
        try {
          await client.publish(id);
          confirmed.set(id, { at: Date.now(), sends });
          break;
        } catch (error) {
          publishFailures[failureKind(error)] = (publishFailures[failureKind(error)] ?? 0) + 1;
          await sleep(10);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

if (notRun) reportDidNotRun('RabbitMQ cluster failover', notRun);
else describe('RabbitMQ cluster failover', () => {
  let cluster: RabbitMqCluster | undefined;
  let client: Awaited<ReturnType<typeof connectClient>> | undefined;
  afterAll(async () => {
    await client?.close();
    await cluster?.stop();
  }, 30_000);

  it('quorum queue leader SIGKILLed during a drain: nothing lost, both clients carry on through another node', async () => {
    const started = Date.now();
    cluster = await startRabbitMqCluster({ namePrefix: 'pgm-clu' });
    const [first] = cluster.nodes;
    const setup = await connectClient([first!.url]);
    await setup.declareQueue();
    await setup.close();
    const before = await cluster.quorumPlacement(QUEUE);
    expect([...before.members].sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
    const leader = cluster.node(before.leader);
    const survivor = cluster.nodes.find((n) => n !== leader)!;
    client = await connectClient([leader, ...cluster.nodes.filter((n) => n !== leader)].map((n) => n.url));

    const ids = Array.from({ length: BACKLOG + LIVE }, (_, i) => `m-${i + 1}`);
    const confirmed = new Map<string, { at: number; sends: number }>();
    await publishAll(client, ids.slice(0, BACKLOG), 100, confirmed);
    const deliveries: FailoverObservations['deliveries'][number][] = [];
    const consumed = new Set<string>();
    await client.consume((message) => {
      deliveries.push({ ...message, at: Date.now() });
      consumed.add(message.id);
    });
    let published = false;
    void publishAll(client, ids.slice(BACKLOG), PUBLISH_WINDOW, confirmed).then(() => (published = true));

    await waitFor(() => consumed.size >= KILL_AFTER_CONSUMED, { timeoutMs: 30_000, what: `${KILL_AFTER_CONSUMED} ids consumed` });
    const atKill = { consumed: consumed.size, confirmed: confirmed.size };
    const killedAt = Date.now();
    const killedPid = await leader.kill();
    const goneAt = Date.now();

    await waitFor(() => published, { timeoutMs: 60_000, what: 'the producer to have every id confirmed' });
    // Not throwing here: a run that lost ids records its figures, then fails on `lost`.
    await waitFor(() => consumed.size >= ids.length, { timeoutMs: 30_000, what: 'every id consumed' }).catch(() => undefined);
    // Asked after the drain: every CLI call starts an Erlang VM, which would take CPU from the recovery it measures.
    const after = await waitFor(
      async () => {
        const placement = await cluster!.quorumPlacement(QUEUE, survivor).catch(() => undefined);
        return placement?.leader && placement.leader !== leader.name ? placement : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'a new quorum queue leader' },
    );
    const remaining = await waitFor(async () => {
      const placement = await cluster!.quorumPlacement(QUEUE, survivor);
      return placement.messages === 0 ? placement : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'the queue to be empty' }).catch(() => cluster!.quorumPlacement(QUEUE, survivor));

    const result = failoverFigures({ ids, confirmed, deliveries, killedAt, goneAt });
    recordFaultReport({
      id: 'R01',
      title: 'RabbitMQ cluster: quorum queue leader SIGKILLed during a drain',
      schedule:
        `Three RabbitMQ nodes on one machine, clustered with join_cluster, one quorum queue on all three. ${BACKLOG} ids ` +
        `published, then a consumer (the RabbitMQ driver's consume: concurrency 10, prefetch 50, ack after the handler) drains ` +
        `them while a producer (the driver's publish, confirmed, ${PUBLISH_WINDOW} in flight) publishes ${LIVE} more; both ` +
        `RabbitMqBrokers are given the three node URLs, leader first. After ${atKill.consumed} ids consumed the leader's ` +
        'Erlang VM is SIGKILLed; the driver moves each connection to the next node and the test resends every id whose ' +
        'publish failed (PublishNotConfirmedError, BrokerUnavailableError) with the same message id.',
      profile: 'smoke',
      durationSeconds: Math.round((Date.now() - started) / 10) / 100,
      figures: {
        ...result.figures,
        faults: { 'SIGKILL of the quorum leader node': 1 },
        extra: {
          clusterBootSeconds: cluster.startSeconds.boot,
          clusterJoinSeconds: cluster.startSeconds.join,
          leaderBefore: leader.name,
          leaderAfter: after.leader,
          onlineAfter: after.online.length,
          consumedAtKill: atKill.consumed,
          confirmedAtKill: atKill.confirmed,
          ...result.extra,
          ...(client.connections ? { publisherConnections: client.connections.publisher.length, consumerConnections: client.connections.consumer.length } : {}),
          killedBeamPid: killedPid,
          driverWarnings: client.log.at('warn').length,
          publishFailures: Object.entries(publishFailures).map(([kind, n]) => `${n} x ${kind}`).join('; ') || 'none',
          leaseChecks: 'not applicable: RabbitMQ has no leases (a delivery is held until its channel closes)',
        },
      },
    });

    // The kill fell inside the drain and inside the live publishing.
    expect(atKill.consumed).toBeLessThan(ids.length);
    expect(atKill.confirmed).toBeLessThan(ids.length);
    expect(result.drainedAt).toBeGreaterThan(goneAt);
    expect(leader.running).toBe(false);
    expect(after.leader).not.toBe(leader.name);
    expect(after.online).not.toContain(leader.name);
    expect(result.lost).toEqual([]);
    expect(result.unexpected).toEqual([]);
    expect(confirmed.size).toBe(ids.length);
    expect(remaining.messages).toBe(0);
    // Both clients went on after the leader's VM was gone: through another node.
    expect(result.confirmedAfterKill).toBe(true);
    expect(result.deliveredAfterKill).toBe(true);
    if (client.connections) {
      expect(client.connections.publisher.slice(1)).not.toContain(leader.url);
      expect(client.connections.consumer.slice(1)).not.toContain(leader.url);
      expect(client.connections.consumer.length).toBeGreaterThan(1);
    }
  }, 180_000);
});
