import './tracing.js';
import { createPaymentWorker } from './app.js';
import { readPaymentWorkerConfig } from './config.js';

const config = readPaymentWorkerConfig();
const app = await createPaymentWorker(config);
await app.listen(config.port, '0.0.0.0');
console.log(`payment-worker consuming order.created; health on http://localhost:${config.port}/health`);
