// The payment provider simulator as a process: PORT (default 4010), PAYMENT_LATENCY_MS, PAYMENT_DECLINE_RATE.
import { startPaymentProvider } from './payment-provider.js';

const provider = await startPaymentProvider({
  port: Number(process.env.PORT ?? 4010),
  host: process.env.HOST ?? '0.0.0.0',
  latencyMs: Number(process.env.PAYMENT_LATENCY_MS ?? 0),
  declineRate: Number(process.env.PAYMENT_DECLINE_RATE ?? 0),
});
console.log(`payment-provider listening on ${provider.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void provider.close().then(() => process.exit(0)));
