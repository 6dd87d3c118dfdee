import type { MessagingEnvironment } from '@app/messaging';
import { startOtlpReceiver, startWebhookReceiver, testDatabaseUrl, type RunningOtlpReceiver, type RunningWebhookReceiver } from '@app/messaging/testing';
import { startSmtpCatcher, type RunningSmtpCatcher } from '../../apps/smtp-catcher/src/smtp-catcher.js';
import { dropSystemDatabases } from '../../scripts/system/databases.js';
import { startSystem, type RunningSystem } from '../../scripts/system/start-system.js';
import { freeSystemPorts } from './system-ports.js';

export interface TracedSystem {
  system: RunningSystem;
  smtp: RunningSmtpCatcher;
  hook: RunningWebhookReceiver;
  otlp: RunningOtlpReceiver;
  stop(): Promise<void>;
}

/**
 * The reference system alone as processes, on the test PostgreSQL under its own database prefix, with a real SMTP
 * server, alert webhook receiver and OTLP receiver in the test (traces as OTLP/JSON, flushed every 100 ms); its broker
 * is `messaging`'s (default the PostgreSQL broker).
 */
export async function startTracedSystem(
  prefix: string,
  log: (line: string) => void,
  env: Record<string, string> = {},
  messaging?: MessagingEnvironment,
): Promise<TracedSystem> {
  const smtp = await startSmtpCatcher();
  const hook = await startWebhookReceiver();
  const otlp = await startOtlpReceiver();
  const closeReceivers = async () => {
    await smtp.close();
    await hook.close();
    await otlp.close();
  };
  const system = await startSystem({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100', ...env },
    messaging,
    databaseUrl: testDatabaseUrl(),
    databasePrefix: prefix,
    // The reference system alone: workers made by npm run new:worker have their own tests.
    workersFile: null,
    smtpUrl: smtp.url,
    alertWebhookUrl: hook.url,
    ports: await freeSystemPorts(),
    log,
  }).catch(async (error) => {
    // Nothing is left behind when the system does not come up: the receivers and the databases it set up.
    await closeReceivers();
    await dropSystemDatabases(testDatabaseUrl(), prefix);
    throw error;
  });
  return {
    system,
    smtp,
    hook,
    otlp,
    stop: async () => {
      await system.stop();
      await closeReceivers();
      await dropSystemDatabases(testDatabaseUrl(), prefix);
    },
  };
}
