import type { ConsumerOptions } from '../driver/broker-types.js';
import { InvalidArgumentError } from '../errors.js';
import { QUEUE_DEFAULTS, type QueueOptions } from '../topology/queue-options.js';
import { assertQueueName } from '../validation/names.js';

/**
 * Per-handler options, given as the extras of `@EventPattern(pattern, extras)` or through `@Consume`. Queue options
 * are stored with the handler's queue (the code is the source of truth: a changed value updates the queue at boot).
 */
export interface HandlerOptions extends QueueOptions, Pick<ConsumerOptions, 'concurrency' | 'prefetch' | 'pollIntervalMs' | 'shutdownGraceMs'> {
  /** The handler's queue. Default `<serviceName>.<class-name>.<method-name>` with `@Consume`, else from the pattern. */
  queue?: string;
}

/** The queue options a handler may set: those with a default, and the dead-letter queue (whose default is per queue). */
const QUEUE_KEYS: readonly (keyof QueueOptions)[] = [...(Object.keys(QUEUE_DEFAULTS) as (keyof typeof QUEUE_DEFAULTS)[]), 'deadLetterQueue'];
const CONSUMER_KEYS = ['concurrency', 'prefetch', 'pollIntervalMs', 'shutdownGraceMs'] as const;
/** The extras key under which `@Consume` records `Class.method`, to name the queue. */
export const HANDLER_NAME = 'pgHandlerName';

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
 * `queue` option, else `@Consume`'s class and method, else the pattern (MessagingServer refuses two such handlers of
 * one pattern, whose queues could only be told apart by position).
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
