// An outbox relay publishing to the driver under test, in its own process. With CRASH_AFTER_SEND=1 it SIGKILLs
// itself right after the broker accepted its first batch and before the outbox rows are deleted: the window where
// a resend follows. With START_ON_SIGNAL=1 it loads, reports {event:'loaded'} and starts relaying on SIGUSR2 (a
// restart without the start-up time). Reports {event:'ready'}, {event:'sent', messageIds}.
import { OutboxRelay } from '../../../src/outbox/outbox-relay.js';
import { env, numberEnv, report } from '../../faults/processes/env.js';
import { connectChildBroker } from './child-broker.js';

const broker = await connectChildBroker();
const relay = new OutboxRelay({
  database: env('SERVICE_URL'),
  schema: env('SERVICE_SCHEMA'),
  // The relay takes any MessageBroker once the transport layer is on the driver interface (issue 10 item 1).
  broker: broker,
  pollIntervalMs: 50,
  batchSize: numberEnv('BATCH_SIZE', 20),
  afterSend: (messageIds) => {
    report('sent', { messageIds });
    if (env('CRASH_AFTER_SEND', '0') === '1') process.kill(process.pid, 'SIGKILL');
  },
});
if (env('START_ON_SIGNAL', '0') === '1') {
  const keepAlive = setInterval(() => undefined, 1_000); // a pending signal alone does not keep Node running
  const go = new Promise((resolve) => process.once('SIGUSR2', resolve));
  report('loaded');
  await go;
  clearInterval(keepAlive);
}
await relay.start();
report('ready');
process.once('SIGTERM', () => void relay.stop().then(() => broker.close()).then(() => process.exit(0)));
