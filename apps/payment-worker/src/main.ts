import './tracing.js';
import { Logger } from '@nestjs/common';
import { OpsListener } from '@app/messaging';
import { createPaymentWorker } from './app.js';
import { readPaymentWorkerConfig } from './config.js';

const config = readPaymentWorkerConfig();
const app = await createPaymentWorker(config);
// No API of its own: only the ops listener (health, metrics), which starts with the app.
await app.init();
new Logger('PaymentWorker').log(`payment-worker consuming order.created; health on ${app.get(OpsListener).url}/health`);
