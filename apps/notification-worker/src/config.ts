import { InvalidArgumentError, MESSAGING_ENVIRONMENT, portFromEnvironment, readBrokerDatabaseUrl, readEnvironment, readFlag, readMessagingEnvironment, requireDatabaseUrl, requireEnvironment, type MessagingEnvironment } from '@app/messaging';
import { IN_DOUBT_POLICIES, type InDoubtPolicy } from './notifications/send-ledger.js';

/** What the notification worker reads from its environment. */
export interface NotificationWorkerConfig {
  /** Port of health and metrics (a worker serves nothing else over HTTP). OPS_PORT, default 3002. */
  opsPort: number;
  /** Address the ops port binds. OPS_HOST, default 0.0.0.0 (the launcher sets 127.0.0.1). */
  opsHost?: string;
  /** The notification service's own database (sent mails, inbox). NOTIFICATIONS_DATABASE_URL. */
  notificationsDatabaseUrl: string;
  /** The broker: MESSAGING_DRIVER (postgres by default, or rabbitmq), RABBITMQ_URL(_FILE), RABBITMQ_EXCHANGE. Unset: postgres. */
  messaging?: MessagingEnvironment;
  /** The broker's database, on the postgres driver. BROKER_DATABASE_URL (not read on rabbitmq). */
  brokerDatabaseUrl?: string;
  /**
   * Migrate the broker and the service database at start. MIGRATE_ON_START, default true (development). npm start and
   * compose set false: there the app's role cannot run DDL and `npm run migrate` migrates as the owner roles.
   */
  migrateOnStart?: boolean;
  /** SMTP server, e.g. smtp://localhost:1025 (Mailpit in compose, the launcher's catcher in development). SMTP_URL. */
  smtpUrl: string;
  /** Sender address. MAIL_FROM, default 'Shop <orders@shop.example>'. */
  mailFrom: string;
  /**
   * A redelivered event whose mail's send is in doubt: `resend` it with the same Message-ID (at least once) or
   * `skip` it (at most once). MAIL_IN_DOUBT, default resend.
   */
  inDoubtPolicy: InDoubtPolicy;
}

/**
 * The environment variables this app reads (each may also come from a file: NAME_FILE). DATABASE_PASSWORD is put in
 * the database URLs that carry none.
 */
export const NOTIFICATION_WORKER_ENVIRONMENT = ['OPS_PORT', 'OPS_HOST', 'NOTIFICATIONS_DATABASE_URL', 'BROKER_DATABASE_URL', 'SMTP_URL', 'MAIL_FROM', 'DATABASE_PASSWORD', 'MIGRATE_ON_START', ...MESSAGING_ENVIRONMENT, 'MAIL_IN_DOUBT'] as const;

export function readNotificationWorkerConfig(env: NodeJS.ProcessEnv = process.env): NotificationWorkerConfig {
  const messaging = readMessagingEnvironment(env);
  const required = (name: string) => requireEnvironment(name, env);
  return {
    opsPort: portFromEnvironment('OPS_PORT', 3002, env),
    opsHost: readEnvironment('OPS_HOST', env),
    notificationsDatabaseUrl: requireDatabaseUrl('NOTIFICATIONS_DATABASE_URL', env),
    messaging,
    brokerDatabaseUrl: readBrokerDatabaseUrl(messaging, 'BROKER_DATABASE_URL', env),
    migrateOnStart: readFlag('MIGRATE_ON_START', true, env),
    smtpUrl: required('SMTP_URL'),
    mailFrom: readEnvironment('MAIL_FROM', env) ?? 'Shop <orders@shop.example>',
    inDoubtPolicy: inDoubtPolicy(readEnvironment('MAIL_IN_DOUBT', env) ?? 'resend'),
  };
}

function inDoubtPolicy(value: string): InDoubtPolicy {
  if (!(IN_DOUBT_POLICIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`MAIL_IN_DOUBT must be one of ${IN_DOUBT_POLICIES.join(', ')} (got ${JSON.stringify(value)})`, { variable: 'MAIL_IN_DOUBT' });
  }
  return value as InDoubtPolicy;
}
