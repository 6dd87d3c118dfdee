import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { ConsumerOptions } from '../driver/broker-types.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { MESSAGE_BROKER } from '../message-broker.token.js';
import type { QueueOptions } from '../topology/queue-options.js';
import { MessagingExceptionFilter } from '../transport/messaging-exception.filter.js';
import { MessagingServer } from '../transport/messaging.server.js';

/**
 * Connects the messaging transport to an HTTP app that imports MessagingModule, sharing its MessageBroker. The
 * microservice inherits the app's configuration, and the app gets the exception filter that keeps handlers' real
 * errors (HTTP errors are answered as Nest's default filter does). Call `app.startAllMicroservices()` after.
 */
export function connectMessagingServer(
  app: INestApplication,
  options: { serviceName: string; queueDefaults?: QueueOptions; consumerDefaults?: ConsumerOptions },
): INestMicroservice {
  app.useGlobalFilters(new MessagingExceptionFilter(app.getHttpAdapter()));
  const broker = app.get<MessageBroker>(MESSAGE_BROKER);
  return app.connectMicroservice({ strategy: new MessagingServer({ ...options, broker }) }, { inheritAppConfig: true });
}

/** @deprecated Use connectMessagingServer (the same function). */
export const connectPgServer = connectMessagingServer;
