// The conformance suite on the RabbitMQ driver, on RABBITMQ_URL (a fresh vhost per file). Without RABBITMQ_URL,
// or before the driver exists, the title says plainly that it did not run.
import amqp from 'amqplib';
import { createTestVhost, describeDriverConformance, rabbitmqUrl } from '../../testing/index.js';
import { RABBITMQ_DRIVER_MODULE, rabbitMqDriverBuilt, rabbitMqDriverFactory } from './rabbitmq-driver.js';

const url = rabbitmqUrl();

if (!url) {
  describe('RabbitMQ conformance did not run: RABBITMQ_URL is not set', () => {
    it('RabbitMQ conformance did not run: RABBITMQ_URL is not set', () => {
      console.log('RabbitMQ conformance did not run: RABBITMQ_URL is not set');
      expect(process.env.RABBITMQ_URL ?? '').toBe('');
    });
  });
} else if (!rabbitMqDriverBuilt()) {
  describe('RabbitMQ conformance did not run: the RabbitMQ driver is not built yet (src/drivers/rabbitmq/rabbitmq-broker.ts)', () => {
    it('the per-file vhost the RabbitMQ factory isolates a test file in takes a quorum queue and is deleted after', async () => {
      console.log(`RabbitMQ conformance did not run: the RabbitMQ driver is not built yet (${RABBITMQ_DRIVER_MODULE})`);
      const vhost = await createTestVhost('conformance-probe');
      const connection = await amqp.connect(vhost.url);
      try {
        const channel = await connection.createChannel();
        const declared = await channel.assertQueue('probe', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
        expect(declared).toMatchObject({ queue: 'probe', messageCount: 0 });
      } finally {
        await connection.close();
        await vhost.drop();
      }
      await expect(amqp.connect(vhost.url)).rejects.toThrow();
    });
  });
} else {
  describeDriverConformance('rabbitmq', rabbitMqDriverFactory());
}
