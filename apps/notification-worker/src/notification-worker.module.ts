import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController, MessagingModule, messagingConnection, MetricsModule, OpsModule, ServiceDatabaseModule, structuredLoggerModule } from '@app/messaging';
import type { NotificationWorkerConfig } from './config.js';
import { NOTIFICATIONS_ENTITIES, NOTIFICATIONS_MIGRATIONS } from './database/data-source.js';
import { Mailer } from './mail/mailer.js';
import { IN_DOUBT_POLICY, NotificationsHandler } from './notifications/notifications.handler.js';

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
        MessagingModule.forRoot({ ...messagingConnection(config, { applicationName: 'notification-worker', migrate: config.migrateOnStart }), housekeeping: false }),
        // This service publishes nothing: no outbox relay.
        ServiceDatabaseModule.forRoot({
          url: config.notificationsDatabaseUrl,
          entities: NOTIFICATIONS_ENTITIES,
          migrations: NOTIFICATIONS_MIGRATIONS,
          relay: false,
          migrate: config.migrateOnStart,
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
