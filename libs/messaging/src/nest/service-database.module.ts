import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Broker } from '../broker/broker.js';
import { Housekeeping, type InboxHousekeepingOptions } from '../housekeeping/housekeeping.js';
import { Inbox, type InboxOptions } from '../inbox/inbox.js';
import { Outbox } from '../outbox/outbox.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { migrateDatabase, SERVICE_MIGRATIONS } from '../sql/migrator.js';
import { runWhileAppRuns } from './background-task.js';
import { nestBrokerLogger } from './nest-logger.js';

export interface ServiceDatabaseOptions {
  /** The service's own database. */
  url: string;
  /** Its TypeORM entities and migrations (run at boot, after the outbox and inbox tables). */
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
  /** Run this service's outbox relay to the broker of MessagingModule. Default true. */
  relay?: boolean;
  /** The inbox's retention (default 7 days) and how often its housekeeping purges older rows (default 1 hour). */
  inbox?: Pick<InboxOptions, 'retentionMs'> & Pick<InboxHousekeepingOptions, 'purgeIntervalMs' | 'batchSize'>;
}

/** Schema of the outbox and inbox tables in a service's database. */
const SERVICE_SCHEMA = 'messaging';

/**
 * A service's own database, as the reference apps use it: TypeORM (DataSource, EntityManager, repositories) on it,
 * its outbox and inbox tables migrated first, and an injectable `Outbox` and `Inbox`; while the app runs, the inbox
 * purge and, unless `relay: false`, its outbox relay to the broker (replicas share the work with SKIP LOCKED).
 */
@Module({})
export class ServiceDatabaseModule {
  static forRoot(options: ServiceDatabaseOptions): DynamicModule {
    return {
      module: ServiceDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await migrateDatabase(options.url, SERVICE_SCHEMA, SERVICE_MIGRATIONS);
            return {
              type: 'postgres' as const,
              url: options.url,
              entities: options.entities,
              migrations: options.migrations,
              migrationsTableName: 'typeorm_migrations',
              migrationsRun: true,
              retryAttempts: 3,
            };
          },
        }),
      ],
      providers: [
        { provide: Outbox, useValue: new Outbox({ schema: SERVICE_SCHEMA }) },
        {
          provide: Inbox,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => new Inbox(dataSource, { schema: SERVICE_SCHEMA, retentionMs: options.inbox?.retentionMs }),
        },
        runWhileAppRuns('inbox-housekeeping', [Inbox], async (inbox: Inbox<EntityManager>) =>
          Housekeeping.forInbox(inbox, { purgeIntervalMs: options.inbox?.purgeIntervalMs, batchSize: options.inbox?.batchSize }).start(),
        ),
        ...(options.relay === false
          ? []
          : [
              runWhileAppRuns('outbox-relay', [Broker], (broker: Broker) =>
                new OutboxRelay({ database: options.url, schema: SERVICE_SCHEMA, broker, logger: nestBrokerLogger() }).start(),
              ),
            ]),
      ],
      exports: [TypeOrmModule, Outbox, Inbox],
    };
  }
}
