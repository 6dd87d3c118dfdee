import { InvalidArgumentError, readEnvironment, requireEnvironment } from '@app/messaging';
import { IN_DOUBT_POLICIES, type InDoubtPolicy } from './notifications/send-ledger.js';

/** What the notification worker reads from its environment. */
export interface NotificationWorkerConfig {
  /** HTTP port of the health endpoint. PORT, default 3002. */
  port: number;
  /** The notification service's own database (sent mails, inbox). NOTIFICATIONS_DATABASE_URL. */
  notificationsDatabaseUrl: string;
  /** The broker's database. BROKER_DATABASE_URL. */
  brokerDatabaseUrl: string;
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

/** The environment variables this app reads (each may also come from a file: NAME_FILE). */
export const NOTIFICATION_WORKER_ENVIRONMENT = ['PORT', 'NOTIFICATIONS_DATABASE_URL', 'BROKER_DATABASE_URL', 'SMTP_URL', 'MAIL_FROM', 'MAIL_IN_DOUBT'] as const;

export function readNotificationWorkerConfig(env: NodeJS.ProcessEnv = process.env): NotificationWorkerConfig {
  const required = (name: string) => requireEnvironment(name, env);
  return {
    port: Number(env.PORT ?? 3002),
    notificationsDatabaseUrl: required('NOTIFICATIONS_DATABASE_URL'),
    brokerDatabaseUrl: required('BROKER_DATABASE_URL'),
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
