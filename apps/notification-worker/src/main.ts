import './tracing.js';
import { Logger } from '@nestjs/common';
import { createNotificationWorker } from './app.js';
import { readNotificationWorkerConfig } from './config.js';

const config = readNotificationWorkerConfig();
const app = await createNotificationWorker(config);
await app.listen(config.port, '0.0.0.0');
new Logger('NotificationWorker').log(`notification-worker mailing through ${new URL(config.smtpUrl).host}; health on http://localhost:${config.port}/health`);
