import './tracing.js';
import { readOrderApiConfig } from './config.js';
import { createOrderApi } from './app.js';

const config = readOrderApiConfig();
const app = await createOrderApi(config);
await app.listen(config.port, '0.0.0.0');
console.log(`order-api listening on http://localhost:${config.port}`);
