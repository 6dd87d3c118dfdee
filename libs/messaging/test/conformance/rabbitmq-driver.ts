import { fileURLToPath } from 'node:url';
import { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { createTestVhost, recordingLogger, type DriverFactory } from '../../testing/index.js';

/** The RabbitMQ driver under test: a fresh vhost per test file on RABBITMQ_URL. */
export function rabbitMqDriverFactory(): DriverFactory {
  return {
    async create(label) {
      const vhost = await createTestVhost(label.replaceAll('_', '-'));
      const exchange = 'conformance';
      // The cases fail, retry and overrun graces on purpose: the broker's warnings about that are kept, not printed.
      const broker = await RabbitMqBroker.connect({ url: vhost.url, exchange, logger: recordingLogger() });
      return {
        broker,
        childModule: fileURLToPath(new URL('./rabbitmq-child-broker.ts', import.meta.url)),
        childEnv: { RABBITMQ_URL: vhost.url, CONFORMANCE_EXCHANGE: exchange },
        cleanup: async () => {
          await broker.close();
          await vhost.drop();
        },
      };
    },
  };
}
