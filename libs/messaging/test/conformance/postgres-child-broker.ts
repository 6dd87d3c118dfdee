// How the conformance suite's child processes connect to the PostgreSQL broker of their test file.
import { Broker } from '../../src/drivers/postgres/broker.js';
import type { MessageBroker } from '../../src/driver/message-broker.js';

export async function connectBroker(): Promise<MessageBroker> {
  const broker = await Broker.connect({ connectionString: process.env.DATABASE_URL, schema: process.env.CONFORMANCE_SCHEMA, poolSize: 3, migrate: false });
  return broker;
}
