import 'reflect-metadata';
import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyHttpServerDefaults, connectPgServer, useStructuredLogger, type HttpServerDefaultsOptions } from '@app/messaging';
import type { OrderApiConfig } from './config.js';
import { assertJsonDepth } from './http/json-depth.js';
import { OrderApiModule } from './order-api.module.js';

/** Largest request body, as JSON: beyond it the API answers 413. */
export const MAX_BODY = '64kb';

/** Builds the order API: HTTP, plus its consumer of payment results, sharing one broker. */
export async function createOrderApi(
  config: OrderApiConfig,
  { requestTimeoutMs, ...options }: { logger?: false } & Pick<HttpServerDefaultsOptions, 'requestTimeoutMs'> = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(OrderApiModule.register(config), { bodyParser: false, bufferLogs: true, ...options });
  useStructuredLogger(app, options);
  applyHttpServerDefaults(app, { requestTimeoutMs });
  app.useBodyParser('json', { limit: MAX_BODY, verify: (_req: unknown, _res: unknown, body: Buffer) => assertJsonDepth(body) });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }));
  connectPgServer(app, { serviceName: 'orders' });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  return app;
}
