// `npm start`: the whole reference system on this machine. PostgreSQL is embedded unless DATABASE_URL is set.
import { startSystem } from './system/start-system.js';

const system = await startSystem({
  databaseUrl: process.env.DATABASE_URL,
  alertWebhookUrl: process.env.ALERT_WEBHOOK_URL,
  env: Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('OTEL_') && v !== undefined)) as Record<string, string>,
});
console.log(`
The order system is running:
  order API            ${system.orderApiUrl}   (POST /orders, GET /orders/:id, GET /orders?customerId=)
  payment provider     ${system.paymentProviderUrl}   (simulator: a customerId starting with decline- is declined)
  mail                 ${system.smtpUrl}   (the catcher prints every mail here)
Try: npm run demo      Stop: Ctrl-C
`);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    void system.stop().then(() => process.exit(0));
  });
}
