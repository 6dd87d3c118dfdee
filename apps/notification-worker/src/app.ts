import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applyHttpServerDefaults, connectMessagingServer, useStructuredLogger } from '@app/messaging';
import type { NotificationWorkerConfig } from './config.js';
import { NotificationWorkerModule } from './notification-worker.module.js';

/** Builds the notification worker: its consumers of order.* and payment.*, and GET /health. */
export async function createNotificationWorker(config: NotificationWorkerConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(NotificationWorkerModule.register(config), { bufferLogs: true, ...options });
  useStructuredLogger(app, options);
  applyHttpServerDefaults(app);
  connectMessagingServer(app, { serviceName: 'notifications' });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  return app;
}
