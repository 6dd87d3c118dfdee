import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController, MessagingModule, MetricsModule, OpsModule, ServiceDatabaseModule, structuredLoggerModule } from '@app/messaging';
import type { NotificationWorkerConfig } from './config.js';
import { CreateSentMails1764400000002 } from './database/migrations/1764400000002-create-sent-mails.js';
import { Mailer } from './mail/mailer.js';
import { NotificationsHandler } from './notifications/notifications.handler.js';
import { SentMailEntity } from './notifications/sent-mail.entity.js';

@Module({})
export class NotificationWorkerModule {
  static register(config: NotificationWorkerConfig): DynamicModule {
    return {
      module: NotificationWorkerModule,
      imports: [
        structuredLoggerModule('notification-worker'),
        MetricsModule.forRoot(),
        OpsModule.forRoot({ port: config.opsPort, host: config.opsHost }),
        // order-api runs the broker's housekeeping: its role may delete expired queues, this worker's may not.
        MessagingModule.forRoot({ connectionString: config.brokerDatabaseUrl, applicationName: 'notification-worker', migrate: config.migrateOnStart, housekeeping: false }),
        // This service publishes nothing: no outbox relay.
        ServiceDatabaseModule.forRoot({
          url: config.notificationsDatabaseUrl,
          entities: [SentMailEntity],
          migrations: [CreateSentMails1764400000002],
          relay: false,
          migrate: config.migrateOnStart,
        }),
      ],
      controllers: [NotificationsHandler, HealthController],
      providers: [{ provide: Mailer, useFactory: () => new Mailer(config.smtpUrl, config.mailFrom) }],
    };
  }
}
