import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthController, Inbox, MessagingModule, MetricsController, migrateDatabase, SERVICE_MIGRATIONS } from '@app/messaging';
import { DataSource } from 'typeorm';
import type { NotificationWorkerConfig } from './config.js';
import { CreateSentMails1764400000002 } from './database/migrations/1764400000002-create-sent-mails.js';
import { Mailer } from './mail/mailer.js';
import { NOTIFICATIONS_INBOX, NotificationsHandler } from './notifications/notifications.handler.js';
import { SentMailEntity } from './notifications/sent-mail.entity.js';

@Module({})
export class NotificationWorkerModule {
  static register(config: NotificationWorkerConfig): DynamicModule {
    return {
      module: NotificationWorkerModule,
      imports: [
        MessagingModule.forRoot({ connectionString: config.brokerDatabaseUrl, applicationName: 'notification-worker' }),
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await migrateDatabase(config.notificationsDatabaseUrl, 'messaging', SERVICE_MIGRATIONS);
            return {
              type: 'postgres' as const,
              url: config.notificationsDatabaseUrl,
              entities: [SentMailEntity],
              migrations: [CreateSentMails1764400000002],
              migrationsTableName: 'typeorm_migrations',
              migrationsRun: true,
              retryAttempts: 3,
            };
          },
        }),
      ],
      controllers: [NotificationsHandler, HealthController, MetricsController],
      providers: [
        { provide: Mailer, useFactory: () => new Mailer(config.smtpUrl, config.mailFrom) },
        { provide: NOTIFICATIONS_INBOX, inject: [DataSource], useFactory: (dataSource: DataSource) => new Inbox(dataSource) },
      ],
    };
  }
}
