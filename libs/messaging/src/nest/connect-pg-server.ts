import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { Broker } from '../drivers/postgres/broker.js';
import type { ConsumerOptions } from '../drivers/postgres/consumer.js';
import type { QueueOptions } from '../topology/queue-options.js';
import { MessagingExceptionFilter } from '../transport/messaging-exception.filter.js';
import { PgServer } from '../transport/pg.server.js';

/**
 * Connects the PostgreSQL transport to an HTTP app that imports MessagingModule, sharing its Broker. The
 * microservice inherits the app's configuration, and the app gets the exception filter that keeps handlers' real
 * errors (HTTP errors are answered as Nest's default filter does). Call `app.startAllMicroservices()` after.
 */
export function connectPgServer(
  app: INestApplication,
  options: { serviceName: string; queueDefaults?: QueueOptions; consumerDefaults?: ConsumerOptions },
): INestMicroservice {
  app.useGlobalFilters(new MessagingExceptionFilter(app.getHttpAdapter()));
  return app.connectMicroservice({ strategy: new PgServer({ ...options, broker: app.get(Broker) }) }, { inheritAppConfig: true });
}
