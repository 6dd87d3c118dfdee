import './tracing.js';
import { Logger } from '@nestjs/common';
import { createPaymentWorker } from './app.js';
import { readPaymentWorkerConfig } from './config.js';

const config = readPaymentWorkerConfig();
const app = await createPaymentWorker(config);
await app.listen(config.port, '0.0.0.0');
new Logger('PaymentWorker').log(`payment-worker consuming order.created; health on http://localhost:${config.port}/health`);
