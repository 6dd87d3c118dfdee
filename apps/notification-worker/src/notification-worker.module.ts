import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController, MessagingModule, MetricsModule, ServiceDatabaseModule, structuredLoggerModule } from '@app/messaging';
import type { NotificationWorkerConfig } from './config.js';
import { CreateSentMails1764400000002 } from './database/migrations/1764400000002-create-sent-mails.js';
import { SentMailsSendState1764400000003 } from './database/migrations/1764400000003-sent-mails-send-state.js';
import { Mailer } from './mail/mailer.js';
import { IN_DOUBT_POLICY, NotificationsHandler } from './notifications/notifications.handler.js';
import { SentMailEntity } from './notifications/sent-mail.entity.js';

@Module({})
export class NotificationWorkerModule {
  static register(config: NotificationWorkerConfig): DynamicModule {
    return {
      module: NotificationWorkerModule,
      imports: [
        structuredLoggerModule('notification-worker'),
        MetricsModule.forRoot(),
        MessagingModule.forRoot({ connectionString: config.brokerDatabaseUrl, applicationName: 'notification-worker' }),
        // This service publishes nothing: no outbox relay.
        ServiceDatabaseModule.forRoot({
          url: config.notificationsDatabaseUrl,
          entities: [SentMailEntity],
          migrations: [CreateSentMails1764400000002, SentMailsSendState1764400000003],
          relay: false,
        }),
      ],
      controllers: [NotificationsHandler, HealthController],
      providers: [
        { provide: Mailer, useFactory: () => new Mailer(config.smtpUrl, config.mailFrom) },
        { provide: IN_DOUBT_POLICY, useValue: config.inDoubtPolicy },
      ],
    };
  }
}
