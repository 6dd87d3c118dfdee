import { randomBytes } from 'node:crypto';
import { createTestVhost, rabbitmqUrl, recordingLogger, type TestVhost } from '../../testing/index.js';
import { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import type { RabbitMqBrokerOptions } from '../../src/drivers/rabbitmq/rabbitmq-options.js';

/**
 * `describe` for a RabbitMQ test file: a vhost of its own for the file, or, without RABBITMQ_URL, a describe whose
 * title says the file did not run.
 */
export function describeRabbitMq(title: string, body: (rabbit: RabbitFixture) => void): void {
  if (!rabbitmqUrl()) {
    // Jest does not print the titles of a suite with nothing run: the console line says it.
    console.warn(`RabbitMQ (not run: RABBITMQ_URL is not set): ${title}`);
    describe(`RabbitMQ (not run: RABBITMQ_URL is not set): ${title}`, () => it.skip('needs RABBITMQ_URL', () => undefined));
    return;
  }
  describe(`RabbitMQ: ${title}`, () => {
    const fixture = new RabbitFixture();
    beforeAll(() => fixture.setUp());
    afterAll(() => fixture.tearDown());
    body(fixture);
  });
}

export class RabbitFixture {
  vhost!: TestVhost;
  private readonly brokers: RabbitMqBroker[] = [];
  readonly logger = recordingLogger();

  async setUp(): Promise<void> {
    this.vhost = await createTestVhost('messaging');
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.close().catch(() => undefined)));
    await this.vhost?.drop();
  }

  /** A broker on this file's vhost, closed after the file. */
  async broker(options: RabbitMqBrokerOptions = {}): Promise<RabbitMqBroker> {
    const broker = await RabbitMqBroker.connect({ url: this.vhost.url, logger: this.logger, reconnectBaseMs: 50, reconnectMaxMs: 500, ...options });
    this.brokers.push(broker);
    return broker;
  }
}

/** A queue name no other test uses. */
export const uniqueQueue = (prefix: string) => `${prefix}.${randomBytes(3).toString('hex')}`;
