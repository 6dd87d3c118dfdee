// How the conformance suite's child processes connect to the RabbitMQ vhost of their test file.
import type { MessageBroker } from '../../src/driver/message-broker.js';
import { connectRabbitMqBroker } from './rabbitmq-driver.js';

export function connectBroker(): Promise<MessageBroker> {
  return connectRabbitMqBroker(process.env.RABBITMQ_URL as string, process.env.CONFORMANCE_EXCHANGE as string);
}
