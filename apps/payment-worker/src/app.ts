import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applyHttpServerDefaults, connectMessagingServer, useStructuredLogger } from '@app/messaging';
import type { PaymentWorkerConfig } from './config.js';
import { PaymentWorkerModule } from './payment-worker.module.js';

/** Builds the payment worker: its consumer of order.created, and GET /health. */
export async function createPaymentWorker(config: PaymentWorkerConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(PaymentWorkerModule.register(config), { bufferLogs: true, ...options });
  useStructuredLogger(app, options);
  applyHttpServerDefaults(app);
  connectMessagingServer(app, { serviceName: 'payments' });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  return app;
}
