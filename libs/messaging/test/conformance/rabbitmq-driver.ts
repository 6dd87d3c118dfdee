import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MessageBroker } from '../../src/driver/message-broker.js';
import type { BrokerLogger } from '../../src/core/logger.js';
import { createTestVhost, recordingLogger, type DriverFactory } from '../../testing/index.js';

/** Where the RabbitMQ driver lands (issue 10 item 2). */
export const RABBITMQ_DRIVER_MODULE = fileURLToPath(new URL('../../src/drivers/rabbitmq/rabbitmq-broker.ts', import.meta.url));

export const rabbitMqDriverBuilt = (): boolean => existsSync(RABBITMQ_DRIVER_MODULE);

interface RabbitMqDriverModule {
  RabbitMqBroker: { connect(options: { url: string; exchange: string; logger?: BrokerLogger }): Promise<MessageBroker> };
}

/** Connects the RabbitMQ driver (loaded by path, so this file compiles before the driver exists). */
export async function connectRabbitMqBroker(url: string, exchange: string, logger?: BrokerLogger): Promise<MessageBroker> {
  const { RabbitMqBroker } = (await import(RABBITMQ_DRIVER_MODULE)) as RabbitMqDriverModule;
  return RabbitMqBroker.connect({ url, exchange, ...(logger ? { logger } : {}) });
}

/** The RabbitMQ driver under test: a fresh vhost per test file on RABBITMQ_URL. */
export function rabbitMqDriverFactory(): DriverFactory {
  return {
    async create(label) {
      const vhost = await createTestVhost(label.replaceAll('_', '-'));
      const exchange = 'conformance';
      // The cases fail, retry and overrun graces on purpose: the broker's warnings about that are kept, not printed.
      const broker = await connectRabbitMqBroker(vhost.url, exchange, recordingLogger());
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
