import './tracing.js';
import { Logger } from '@nestjs/common';
import { OpsListener } from '@app/messaging';
import { readOrderApiConfig } from './config.js';
import { createOrderApi } from './app.js';

const config = readOrderApiConfig();
const app = await createOrderApi(config);
await app.listen(config.port, '0.0.0.0');
new Logger('OrderApi').log(`order-api listening on http://localhost:${config.port}; health and metrics on ${app.get(OpsListener).url}`);
