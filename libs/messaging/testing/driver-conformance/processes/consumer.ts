// A consumer of the driver under test in its own process. Settings from the environment; JSON lines on stdout:
// {event:'ready'}, {event:'handled', messageId, attempt, startedAt, endedAt, pid}, {event:'holding', messageId, attempt}.
//   MODE=ack   handle for HANDLE_MS, then return (the message is acked)
//   MODE=hold  never finish (the test SIGKILLs the process)
import { env, numberEnv, report, sleep } from '../../faults/processes/env.js';
import { connectChildBroker } from './child-broker.js';

const mode = env('MODE', 'ack');
const handleMs = numberEnv('HANDLE_MS', 0);
const broker = await connectChildBroker();
const consumer = await broker.consume(
  env('QUEUE'),
  async (delivery) => {
    const startedAt = performance.timeOrigin + performance.now();
    if (mode === 'hold') {
      report('holding', { messageId: delivery.messageId, attempt: delivery.attempt, pid: process.pid });
      await new Promise(() => undefined);
    }
    await sleep(handleMs);
    report('handled', { messageId: delivery.messageId, attempt: delivery.attempt, startedAt, endedAt: performance.timeOrigin + performance.now(), pid: process.pid });
  },
  { concurrency: numberEnv('CONCURRENCY', 2), prefetch: numberEnv('PREFETCH', numberEnv('CONCURRENCY', 2)), pollIntervalMs: 100 },
);
report('ready', { pid: process.pid });
process.once('SIGTERM', () => void consumer.stop().then(() => broker.close()).then(() => process.exit(0)));
