import 'reflect-metadata';
import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyHttpServerDefaults, connectMessagingServer, useStructuredLogger, type HttpServerDefaultsOptions } from '@app/messaging';
import type { OrderApiConfig } from './config.js';
import { JSON_BODY_OPTIONS, requireJsonBody } from './http/json-body.js';
import { OrderApiModule } from './order-api.module.js';

/** Builds the order API: HTTP, plus its consumer of payment results, sharing one broker. */
export async function createOrderApi(
  config: OrderApiConfig,
  { requestTimeoutMs, ...options }: { logger?: false } & Pick<HttpServerDefaultsOptions, 'requestTimeoutMs'> = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(OrderApiModule.register(config), { bodyParser: false, bufferLogs: true, ...options });
  useStructuredLogger(app, options);
  applyHttpServerDefaults(app, { requestTimeoutMs });
  app.use(requireJsonBody);
  app.useBodyParser('json', JSON_BODY_OPTIONS);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }));
  connectMessagingServer(app, { serviceName: 'orders' });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  return app;
}
