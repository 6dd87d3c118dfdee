// What the fault drivers share: the child processes' logger, settle outcomes by lease, and the dead-letter watch.
import { Registry } from 'prom-client';
import { DeadLetterAlerter, type BrokerLogger, type MessageBroker } from '../../src/index.js';
import type { DeadLetterWatch } from './driver.js';

/** Broker lines go to stderr (stdout carries the child processes' JSON events), warnings and errors only. */
export const stderrLogger: BrokerLogger = {
  log: () => undefined,
  debug: () => undefined,
  warn: (message, ...context) => process.stderr.write(`warn: ${message} ${context.map(String).join(' ')}\n`),
  error: (message, ...context) => process.stderr.write(`error: ${message} ${context.map(String).join(' ')}\n`),
};

/** By code, not instanceof: Jest's VM modules can load the library twice. */
export const isLeaseLost = (error: unknown) => (error as { code?: string } | null)?.code === 'LEASE_LOST';

/** True when the settle went through, false when the broker refused it for a lost lease; anything else throws. */
export async function settled(work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (isLeaseLost(error)) return false;
    throw error;
  }
}

/** The library's DeadLetterAlerter on `broker`, its alert lines (event dead_letter) collected with the time seen. */
export async function watchDeadLetters(broker: MessageBroker): Promise<DeadLetterWatch> {
  const seen: { messageId: string; at: number }[] = [];
  const logger: BrokerLogger = {
    ...stderrLogger,
    error: (message, ...context) => {
      const fields = context[0] as { event?: string; messageId?: string } | undefined;
      if (fields?.event === 'dead_letter' && fields.messageId) seen.push({ messageId: fields.messageId, at: Date.now() });
      else stderrLogger.error(message, ...context);
    },
  };
  const alerter = await new DeadLetterAlerter({ broker, logger, registry: new Registry(), pollIntervalMs: 200 }).start();
  return { seen: () => seen.map((s) => s.messageId), seenAt: () => [...seen], stop: () => alerter.stop() };
}
