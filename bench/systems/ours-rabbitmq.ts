import amqp from 'amqplib';
import { consoleLogger, DEAD_LETTER_SUFFIX, QueueNotFoundError, RabbitMqBroker } from '@app/messaging';
import { pidListeningOn } from '../server-process.js';
import type { BenchBroker, OursDriver } from './ours.js';
import type { SystemConnection } from './system.js';

const AMQP_PORT = 5672;

export function rabbitMqUrl(): string | undefined {
  return process.env.RABBITMQ_URL || undefined;
}

/** Why the RabbitMQ system cannot run here, or null when it can. */
export function rabbitMqUnavailable(): string | null {
  if (!rabbitMqUrl()) return 'RABBITMQ_URL is not set';
  return null;
}

/** The local pid of the RabbitMQ node on the URL's port, for its CPU figures (null if not on this machine). */
function nodePid(url: string): number | null {
  const { hostname, port } = new URL(url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) return null;
  return pidListeningOn(port ? Number(port) : AMQP_PORT);
}

async function deleteIfThere(broker: BenchBroker, queue: string): Promise<void> {
  await broker.deleteQueue(queue).catch((error: unknown) => {
    if (!(error instanceof QueueNotFoundError)) throw error;
  });
}

/**
 * Our RabbitMQ driver on RABBITMQ_URL: the case's `schema` names its exchange and prefixes its queues, so a run
 * and the harness test never share a queue. Unsettled = what the queue still holds (queueStats: ready, delayed, and
 * what the driver counts as held); AMQP 0-9-1 does not confirm a consumer's basic.ack, so the last acks of a drain
 * may still be on their way to the server when this reads 0.
 */
export function rabbitMqDriver(connection: SystemConnection): OursDriver {
  let serverPid: number | null = null;
  return {
    system: 'ours-rabbitmq',
    get serverPid() {
      return serverPid;
    },
    declaresOnStart: true,
    async connect(): Promise<BenchBroker> {
      const url = rabbitMqUrl()!;
      serverPid = nodePid(url);
      return RabbitMqBroker.connect({ url, exchange: connection.schema, logger: consoleLogger });
    },
    queueName: (queue) => `${connection.schema}.${queue}`,
    async clear(broker, queues) {
      for (const queue of queues) {
        await deleteIfThere(broker, queue);
        await deleteIfThere(broker, `${queue}${DEAD_LETTER_SUFFIX}`);
      }
    },
    async unsettled(broker, queues) {
      let total = 0;
      for (const queue of queues) {
        const stats = await broker.queueStats(queue);
        total += stats.ready + stats.delayed + stats.leased + stats.leaseExpired;
      }
      return total;
    },
    close: async () => undefined,
  };
}

/**
 * Deletes what a run left on RabbitMQ, as the PostgreSQL systems' schemas are dropped: the cases' queues through
 * the driver; the exchanges and the dead-letter events queue the driver derives from the exchange name (its names.ts),
 * which the driver interface does not delete, over plain AMQP.
 */
export async function removeRabbitMqState(schema: string, queues: readonly string[]): Promise<void> {
  const connection: SystemConnection = { url: '', schema, concurrency: 1, localQueue: 1 };
  const driver = rabbitMqDriver(connection);
  const broker = await driver.connect();
  try {
    await driver.clear(broker, queues.map((queue) => driver.queueName(queue)));
  } finally {
    await broker.close();
  }
  const amqpConnection = await amqp.connect(rabbitMqUrl()!);
  try {
    // A failed operation closes its channel: one channel each.
    const run = async (operation: (channel: amqp.Channel) => Promise<unknown>) => {
      const channel = await amqpConnection.createChannel();
      await operation(channel);
      await channel.close();
    };
    await run((channel) => channel.deleteQueue(`${schema}.dead-letter-events`));
    for (const exchange of [schema, `${schema}.dead-letter`]) await run((channel) => channel.deleteExchange(exchange));
  } finally {
    await amqpConnection.close();
  }
}
