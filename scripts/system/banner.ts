import { signCustomerToken } from '../../apps/order-api/src/auth/customer-token.js';
import { describeBroker } from './broker-choice.js';
import { DEFAULT_PORTS } from './ports.js';
import { redactedUrl } from './server-check.js';
import type { RunningSystem } from './start-system.js';
import { displayPath } from './data-dir-lock.js';

/** What npm start prints once everything is up: every address, and the broker URL a new worker needs (the worker role's). */
export function banner(system: RunningSystem): string {
  const row = (name: string, address: string, note = '') => `  ${name.padEnd(20)} ${address}${note ? `   (${note})` : ''}`;
  const workers = Object.entries(system.workerHealthUrls).map(([app, url]) => row(app, url, 'health'));
  const server = system.server.embedded
    ? row('PostgreSQL', system.server.url, `embedded, data in ${displayPath(system.server.embedded.dataDir)}`)
    : row('PostgreSQL', redactedUrl(system.server.url), 'DATABASE_URL');
  const broker = row('broker', describeBroker(system.broker), `MESSAGING_DRIVER=${system.broker.driver}`);
  // What a scaffolded worker run by hand is given (npm start gives the registered ones the same): on RabbitMQ the
  // system's own URL, which the user set, so its password is hidden.
  const newWorker =
    system.broker.driver === 'postgres'
      ? `A worker of your own (npm run new:worker) needs:\n  BROKER_DATABASE_URL=${system.server.embedded ? system.appDatabases.worker.broker : redactedUrl(system.appDatabases.worker.broker)}\n`
      : `A worker of your own (npm run new:worker) needs:\n  MESSAGING_DRIVER=rabbitmq RABBITMQ_URL=${redactedUrl(system.broker.rabbitmqUrl!)} RABBITMQ_EXCHANGE=${system.broker.exchange}\n`;
  const demo = system.orderApiUrl === `http://127.0.0.1:${DEFAULT_PORTS.orderApi}` ? 'npm run demo' : `ORDER_API_URL=${system.orderApiUrl} npm run demo`;
  return `
The order system is running:
${row('order API', system.orderApiUrl, 'POST /orders, GET /orders/:id, GET /orders; a bearer token each')}
${row('order-api ops', `${system.orderApiOpsUrl}/health`, 'health and /metrics, this machine only')}
${workers.join('\n')}
${row('payment provider', system.paymentProviderUrl, 'simulator: a customerId starting with decline- is declined')}
${row('mail', system.smtpUrl, 'the catcher prints every mail here')}
${server}
${broker}
A token for customer cust-1, valid 1 h (npm run token -- <customerId> for others):
  ${signCustomerToken(system.orderApiAuth, 'cust-1')}
${newWorker}Try: ${demo}      Stop: Ctrl-C
`;
}
