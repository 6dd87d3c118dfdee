import { randomBytes } from 'node:crypto';
import { createTestVhost, reportDidNotRun, rabbitmqUrl, recordingLogger, type TestVhost } from '../../testing/index.js';
import { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import type { RabbitMqBrokerOptions } from '../../src/drivers/rabbitmq/rabbitmq-options.js';

/**
 * `describe` for a RabbitMQ test file: a vhost of its own for the file. Without RABBITMQ_URL the Jest config leaves
 * these files out (tools/specs-not-run.js); run by hand, the file says why it has no tests.
 */
export function describeRabbitMq(title: string, body: (rabbit: RabbitFixture) => void): void {
  if (!rabbitmqUrl()) {
    reportDidNotRun(`RabbitMQ: ${title}`, 'RABBITMQ_URL is not set');
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
