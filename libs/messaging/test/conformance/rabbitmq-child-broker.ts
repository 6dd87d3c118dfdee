// How the conformance suite's child processes connect to the RabbitMQ vhost of their test file.
import type { MessageBroker } from '../../src/driver/message-broker.js';
import { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';

export function connectBroker(): Promise<MessageBroker> {
  return RabbitMqBroker.connect({ url: process.env.RABBITMQ_URL as string, exchange: process.env.CONFORMANCE_EXCHANGE as string });
}
