import { connect } from 'amqplib';
import { MESSAGING_ENVIRONMENT_DEFAULTS, type MessagingEnvironment } from '@app/messaging';
import { createTestVhost, type TestVhost } from '@app/messaging/testing';

export interface SystemRabbitmq {
  /** What the system is started with: the driver, RABBITMQ_URL on the vhost, the default exchange. */
  messaging: MessagingEnvironment;
  vhost: TestVhost;
  /** Which of `queues` exist in the vhost (a passive declare of each, so nothing is created). */
  existingQueues(queues: string[]): Promise<string[]>;
}

/**
 * The system's RabbitMQ: a vhost of its own on RABBITMQ_URL's server, so its exchange and queues never meet another
 * test's, and dropping the vhost removes them all.
 */
export async function systemRabbitmq(label: string): Promise<SystemRabbitmq> {
  const vhost = await createTestVhost(label);
  return {
    messaging: { driver: 'rabbitmq', rabbitmqUrl: vhost.url, exchange: MESSAGING_ENVIRONMENT_DEFAULTS.exchange },
    vhost,
    existingQueues: async (queues) => {
      const connection = await connect(vhost.url);
      try {
        const found: string[] = [];
        for (const queue of queues) {
          // A passive declare of a missing queue closes its channel (404): one channel per check.
          const channel = await connection.createChannel();
          channel.on('error', () => {});
          if (await channel.checkQueue(queue).then(() => true, () => false)) found.push(queue);
          await channel.close().catch(() => undefined);
        }
        return found;
      } finally {
        await connection.close();
      }
    },
  };
}
