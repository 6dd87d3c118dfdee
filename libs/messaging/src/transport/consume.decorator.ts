import { EventPattern } from '@nestjs/microservices';
import { HANDLER_NAME, type HandlerOptions } from './handler-plan.js';

export type { HandlerOptions } from './handler-plan.js';

/**
 * `@EventPattern(pattern, options)` that also names the handler's queue after its class and method, so two handlers
 * of one pattern get stable, distinct queues. Works with a typed `@Ctx() ctx: MessagingContext`.
 */
export function Consume(pattern: string | Record<string, string | number>, options: HandlerOptions = {}): MethodDecorator {
  return (target, key, descriptor) => {
    const handlerName = `${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`;
    return EventPattern<string | Record<string, string | number>>(pattern, { ...options, [HANDLER_NAME]: handlerName })(target, key, descriptor);
  };
}
