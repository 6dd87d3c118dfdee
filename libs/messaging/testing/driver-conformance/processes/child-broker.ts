import type { MessageBroker } from '../../../src/driver/message-broker.js';
import { CHILD_BROKER_MODULE_ENV, type ChildBrokerModule } from '../driver-factory.js';
import { env } from '../../faults/processes/env.js';

/** Connects this child process's broker through the module the driver's factory named (DriverUnderTest.childModule). */
export async function connectChildBroker(): Promise<MessageBroker> {
  const module = (await import(env(CHILD_BROKER_MODULE_ENV))) as ChildBrokerModule;
  return module.connectBroker();
}
