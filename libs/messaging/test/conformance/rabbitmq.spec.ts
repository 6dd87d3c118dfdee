// The conformance suite on the RabbitMQ driver, on RABBITMQ_URL (a fresh vhost per file). Without RABBITMQ_URL the
// title says plainly that it did not run.
import { describeDriverConformance, rabbitmqUrl } from '../../testing/index.js';
import { rabbitMqDriverFactory } from './rabbitmq-driver.js';

if (!rabbitmqUrl()) {
  describe('RabbitMQ conformance did not run: RABBITMQ_URL is not set', () => {
    it('RabbitMQ conformance did not run: RABBITMQ_URL is not set', () => {
      console.log('RabbitMQ conformance did not run: RABBITMQ_URL is not set');
      expect(process.env.RABBITMQ_URL ?? '').toBe('');
    });
  });
} else {
  describeDriverConformance('rabbitmq', rabbitMqDriverFactory());
}
