// The cluster failover test's client on the RabbitMQ driver: two brokers, a publisher and a consumer, each given
// every node URL, so each fails over by itself (the driver's connection manager moves on to the next node).
import { RabbitMqBroker } from '@app/messaging';
import type { MessageConsumer } from '@app/messaging';
import { recordingLogger } from '@app/messaging/testing';
import type { ClusterClient, ClusterClientOptions } from './cluster-client.js';

export interface DriverClusterClientOptions extends ClusterClientOptions {
  /** A confirm not back in this time fails the publish (its outcome unknown; the test resends). */
  confirmTimeoutMs?: number;
  /** Handlers at once and deliveries held ahead of them. */
  concurrency?: number;
  prefetch?: number;
}

export const DRIVER_CLUSTER_CLIENT_DEFAULTS = { confirmTimeoutMs: 10_000, concurrency: 10, prefetch: 50 } satisfies Partial<DriverClusterClientOptions>;

export async function driverClusterClient(options: DriverClusterClientOptions): Promise<ClusterClient & { readonly log: ReturnType<typeof recordingLogger> }> {
  const { urls, queue, confirmTimeoutMs, concurrency, prefetch } = { ...DRIVER_CLUSTER_CLIENT_DEFAULTS, ...options };
  const log = recordingLogger();
  const connect = (connectionName: string) => RabbitMqBroker.connect({ urls, logger: log, confirmTimeoutMs, connectionName });
  const publisher = await connect('cluster-failover-publisher');
  const consumer = await connect('cluster-failover-consumer').catch(async (error: unknown) => {
    await publisher.close();
    throw error;
  });
  let consuming: MessageConsumer | undefined;

  // The driver tells which node it is on (host:port), not when it moved: sampled on every publish and delivery,
  // which is every time a connection carried traffic.
  const urlOf = new Map(urls.map((url) => [`${new URL(url).hostname}:${new URL(url).port || 5672}`, url]));
  const track = (broker: RabbitMqBroker, seen: string[]) => {
    const node = broker.connectedNode && urlOf.get(broker.connectedNode);
    if (node && seen.at(-1) !== node) seen.push(node);
  };
  const publisherNodes: string[] = [];
  const consumerNodes: string[] = [];

  return {
    log,
    async declareQueue() {
      await publisher.declareQueue(queue);
      await publisher.bindQueue(queue, queue);
    },
    async publish(id) {
      track(publisher, publisherNodes);
      await publisher.publish({ routingKey: queue, payload: id, messageId: id });
      track(publisher, publisherNodes);
    },
    async consume(onMessage) {
      consuming = await consumer.consume(
        queue,
        (d) => {
          track(consumer, consumerNodes);
          onMessage({ id: d.messageId, redelivered: d.attempt > 1 });
        },
        { concurrency, prefetch },
      );
    },
    connections: {
      get publisher() {
        return publisherNodes;
      },
      get consumer() {
        return consumerNodes;
      },
    },
    async close() {
      await consuming?.stop().catch(() => undefined);
      await Promise.all([publisher.close(), consumer.close()]);
    },
  };
}
