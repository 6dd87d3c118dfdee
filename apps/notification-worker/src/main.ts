import './tracing.js';
import { Logger } from '@nestjs/common';
import { OpsListener } from '@app/messaging';
import { createNotificationWorker } from './app.js';
import { readNotificationWorkerConfig } from './config.js';

const config = readNotificationWorkerConfig();
const app = await createNotificationWorker(config);
// No API of its own: only the ops listener (health, metrics), which starts with the app.
await app.init();
new Logger('NotificationWorker').log(`notification-worker mailing through ${new URL(config.smtpUrl).host}; health on ${app.get(OpsListener).url}/health`);
