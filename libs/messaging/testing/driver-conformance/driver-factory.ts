import type { MessageBroker } from '../../src/driver/message-broker.js';

/**
 * How the conformance suite gets brokers of one driver. `create` is called once per test file (the suite's
 * beforeAll): the broker it returns must be isolated from every other file (its own PostgreSQL schema, its own
 * RabbitMQ vhost or exchange and queue names), so files can run in parallel.
 */
export interface DriverFactory {
  create(label: string): Promise<DriverUnderTest>;
}

/** One isolated broker space, with what a child process needs to reach the same space. */
export interface DriverUnderTest {
  broker: MessageBroker;
  /**
   * A module a child process imports to connect a broker of its own to the same space: it exports
   * `connectBroker(): Promise<MessageBroker>`, reading what it needs from `childEnv`.
   */
  childModule: string;
  /** Environment of such a child process. */
  childEnv: Record<string, string>;
  /** Closes the broker and removes the space (drops the schema, deletes the vhost). */
  cleanup(): Promise<void>;
}

/** What a `childModule` exports. */
export interface ChildBrokerModule {
  connectBroker(): Promise<MessageBroker>;
}

/** The environment variable naming the child module, for the suite's child processes. */
export const CHILD_BROKER_MODULE_ENV = 'CONFORMANCE_BROKER_MODULE';
