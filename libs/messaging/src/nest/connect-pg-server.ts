import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { Broker } from '../broker/broker.js';
import type { ConsumerOptions } from '../broker/consumer.js';
import type { QueueOptions } from '../topology/queue-options.js';
import { MessagingExceptionFilter } from '../transport/messaging-exception.filter.js';
import { PgServer } from '../transport/pg.server.js';

/**
 * Connects the PostgreSQL transport to an app that imports MessagingModule, sharing its Broker, with the exception
 * filter that keeps handlers' real errors. Call `app.startAllMicroservices()` after.
 */
export function connectPgServer(
  app: INestApplication,
  options: { serviceName: string; queueDefaults?: QueueOptions; consumerDefaults?: ConsumerOptions },
): INestMicroservice {
  const microservice = app.connectMicroservice({ strategy: new PgServer({ ...options, broker: app.get(Broker) }) });
  microservice.useGlobalFilters(new MessagingExceptionFilter());
  return microservice;
}
