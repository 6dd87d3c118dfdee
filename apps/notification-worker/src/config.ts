import { InvalidArgumentError } from '@app/messaging';

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
  /** Sender address. MAIL_FROM, default "Shop <orders@shop.example>". */
  mailFrom: string;
}

export function readNotificationWorkerConfig(env: NodeJS.ProcessEnv = process.env): NotificationWorkerConfig {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new InvalidArgumentError(`${name} is not set`, { variable: name });
    return value;
  };
  return {
    port: Number(env.PORT ?? 3002),
    notificationsDatabaseUrl: required('NOTIFICATIONS_DATABASE_URL'),
    brokerDatabaseUrl: required('BROKER_DATABASE_URL'),
    smtpUrl: required('SMTP_URL'),
    mailFrom: env.MAIL_FROM ?? 'Shop <orders@shop.example>',
  };
}
