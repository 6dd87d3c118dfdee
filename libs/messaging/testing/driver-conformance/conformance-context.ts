import { fileURLToPath } from 'node:url';
import type { MessageBroker } from '../../src/driver/message-broker.js';
import type { ConsumerOptions, MessageConsumer, MessageHandler } from '../../src/driver/broker-types.js';
import type { Delivery } from '../../src/message.js';
import type { QueueOptions } from '../../src/topology/queue-options.js';
import { TsProcess } from '../child-process.js';
import { CHILD_BROKER_MODULE_ENV, type DriverFactory, type DriverUnderTest } from './driver-factory.js';

/** The child processes the cases start: processes/<name>.ts. */
export type ChildScript = 'consumer' | 'outbox-relay';

/** What every case gets: the file's broker, unique names, child processes, consumers stopped after each case. */
export interface ConformanceContext {
  readonly broker: MessageBroker;
  readonly driver: DriverUnderTest;
  /** A queue name no other case of this file uses. */
  name(label: string): string;
  /** Declares a queue and binds it to `pattern` (default: its own name). */
  queue(label: string, options?: QueueOptions, pattern?: string): Promise<string>;
  /** Starts a consumer that is stopped after the case. */
  consume<T = unknown>(queue: string, handler: MessageHandler<T>, options?: ConsumerOptions): Promise<MessageConsumer>;
  /** Starts a consumer that keeps every delivery (acked) in the returned array. */
  collect<T = unknown>(queue: string, options?: ConsumerOptions): Promise<Delivery<T>[]>;
  /** Starts a child process on the same broker space; SIGKILLed after the case (or the file) if still running. */
  child(script: ChildScript, env: Record<string, string>, lifetime?: 'case' | 'file'): TsProcess;
}

/** Fast consumers for tests: poll often and stop quickly. */
export const TEST_CONSUMER: ConsumerOptions = { pollIntervalMs: 100, shutdownGraceMs: 1_000 };

let fileCounter = 0;

/** Registers the beforeAll/afterAll/afterEach that give the cases their context. */
export function conformanceContext(factory: DriverFactory, label: string): ConformanceContext {
  let driver: DriverUnderTest | null = null;
  const consumers: MessageConsumer[] = [];
  const children: TsProcess[] = [];
  const fileChildren: TsProcess[] = [];
  const prefix = `c${++fileCounter}`;
  let counter = 0;

  beforeAll(async () => {
    driver = await factory.create(label);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await killAll(children.splice(0));
  });
  afterAll(async () => {
    await killAll(fileChildren.splice(0));
    await driver?.cleanup();
  });

  const context: ConformanceContext = {
    get driver() {
      if (!driver) throw new Error('The driver factory did not create a broker (see the beforeAll error)');
      return driver;
    },
    get broker() {
      return context.driver.broker;
    },
    name: (caseLabel) => `${prefix}.${caseLabel}.${++counter}`,
    async queue(caseLabel, options, pattern) {
      const queue = context.name(caseLabel);
      await context.broker.declareQueue(queue, options);
      await context.broker.bindQueue(queue, pattern ?? queue);
      return queue;
    },
    async consume(queue, handler, options) {
      const consumer = await context.broker.consume(queue, handler, { ...TEST_CONSUMER, ...options });
      consumers.push(consumer);
      return consumer;
    },
    async collect<T>(queue: string, options?: ConsumerOptions) {
      const seen: Delivery<T>[] = [];
      await context.consume<T>(queue, (delivery) => void seen.push(delivery), options);
      return seen;
    },
    child(script, env, lifetime = 'case') {
      const path = fileURLToPath(new URL(`./processes/${script}.ts`, import.meta.url));
      const child = new TsProcess(path, { ...context.driver.childEnv, [CHILD_BROKER_MODULE_ENV]: context.driver.childModule, ...env });
      (lifetime === 'case' ? children : fileChildren).push(child);
      return child;
    },
  };
  return context;
}

async function killAll(processes: TsProcess[]): Promise<void> {
  for (const child of processes) {
    if (child.child.exitCode === null && child.child.signalCode === null) child.kill('SIGKILL');
    await child.exited;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `promise`, or an error naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
