import { Inject } from '@nestjs/common';

/**
 * Injection token of the connected MessageBroker that MessagingModule provides, whichever driver is behind it:
 * `@Inject(MESSAGE_BROKER) broker: MessageBroker`, or `@InjectMessageBroker()`.
 */
export const MESSAGE_BROKER = Symbol('MESSAGE_BROKER');

/** `@Inject(MESSAGE_BROKER)`. */
export const InjectMessageBroker = (): PropertyDecorator & ParameterDecorator => Inject(MESSAGE_BROKER);
