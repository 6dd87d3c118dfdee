import { EventPattern } from '@nestjs/microservices';
import type { ConsumerOptions } from '../drivers/postgres/consumer.js';
import { InvalidArgumentError } from '../errors.js';
import type { QueueOptions } from '../topology/queue-options.js';
import { assertQueueName } from '../validation/names.js';

/**
 * Per-handler options, given as the extras of `@EventPattern(pattern, extras)` or through `@Consume`. Queue options
 * are stored with the handler's queue (the code is the source of truth: a changed value updates the queue at boot).
 */
export interface HandlerOptions extends QueueOptions, Pick<ConsumerOptions, 'concurrency' | 'prefetch' | 'pollIntervalMs' | 'shutdownGraceMs'> {
  /** The handler's queue. Default `<serviceName>.<class-name>.<method-name>` with `@Consume`, else from the pattern. */
  queue?: string;
}

const QUEUE_KEYS = ['leaseMs', 'maxAttempts', 'retryBaseMs', 'retryMaxMs', 'retryJitter', 'deadLetterQueue'] as const;
const CONSUMER_KEYS = ['concurrency', 'prefetch', 'pollIntervalMs', 'shutdownGraceMs'] as const;
/** The extras key under which `@Consume` records `Class.method`, to name the queue. */
const HANDLER_NAME = 'pgHandlerName';

/**
 * `@EventPattern(pattern, options)` that also names the handler's queue after its class and method, so two handlers
 * of one pattern get stable, distinct queues. Works with a typed `@Ctx() ctx: PgContext`.
 */
export function Consume(pattern: string | Record<string, string | number>, options: HandlerOptions = {}): MethodDecorator {
  return (target, key, descriptor) => {
    const handlerName = `${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`;
    return EventPattern<string | Record<string, string | number>>(pattern, { ...options, [HANDLER_NAME]: handlerName })(target, key, descriptor);
  };
}

/** kebab-case of a class or method name, within the queue-name charset. */
function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .toLowerCase();
}

export interface HandlerPlan {
  queue: string;
  queueOptions: QueueOptions;
  consumerOptions: ConsumerOptions;
}

/** Whether the handler's queue is named by the code (`@Consume`'s class and method, or a `queue` option). */
export function isNamedHandler(extras: Record<string, unknown> | undefined): boolean {
  return extras?.queue !== undefined || extras?.[HANDLER_NAME] !== undefined;
}

/**
 * Works out a handler's queue name and options from its extras. The name never depends on the handlers' order: a
 * `queue` option, else `@Consume`'s class and method, else the pattern (PgServer refuses two such handlers of one
 * pattern, whose queues could only be told apart by position).
 */
export function planHandler(serviceName: string, pattern: string, extras: Record<string, unknown> | undefined): HandlerPlan {
  const options = (extras ?? {}) as HandlerOptions & { [HANDLER_NAME]?: string };
  const handlerName = options[HANDLER_NAME];
  const derived = handlerName ? `${serviceName}.${kebab(handlerName)}` : `${serviceName}.${pattern.replace(/\*/g, 'star').replace(/#/g, 'all')}`;
  const queue = options.queue ?? derived;
  try {
    assertQueueName(queue);
  } catch (error) {
    if (options.queue !== undefined) throw error;
    throw new InvalidArgumentError(`Cannot derive a valid queue name for the handler of ${JSON.stringify(pattern)}; give it a 'queue' option`, {
      pattern,
    });
  }
  const pick = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.filter((k) => (options as Record<string, unknown>)[k] !== undefined).map((k) => [k, (options as Record<string, unknown>)[k]]));
  return { queue, queueOptions: pick(QUEUE_KEYS) as QueueOptions, consumerOptions: pick(CONSUMER_KEYS) as ConsumerOptions };
}
