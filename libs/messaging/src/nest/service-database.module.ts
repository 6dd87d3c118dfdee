import { Module, type DynamicModule } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { MessageBroker } from '../driver/message-broker.js';
import { MESSAGE_BROKER } from '../message-broker.token.js';
import { ERROR_LISTENING_POOL } from '../postgres/sql-executor.js';
import { Housekeeping, type InboxHousekeepingOptions } from '../housekeeping/housekeeping.js';
import { Inbox, type InboxOptions } from '../inbox/inbox.js';
import { Outbox } from '../outbox/outbox.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { applyMigrationsToDatabase } from '../postgres/migrator.js';
import { SERVICE_MIGRATIONS } from '../postgres/service-migrations/index.js';
import { SERVICE_SCHEMA, SERVICE_TYPEORM_MIGRATIONS_TABLE } from './service-migrations.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { runWhileAppRuns } from './background-task.js';
import { nestBrokerLogger } from './nest-logger.js';

export interface ServiceDatabaseOptions {
  /** The service's own database. */
  url: string;
  /** Its TypeORM entities and migrations (run at boot, after the outbox and inbox tables, unless `migrate: false`). */
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
  /**
   * Migrate the database at boot. Default true. Set false when the app connects as a role that may not run DDL:
   * then the owner role migrates it beforehand with `migrateServiceDatabase`.
   */
  migrate?: boolean;
  /** Run this service's outbox relay to the broker of MessagingModule. Default true. */
  relay?: boolean;
  /** The inbox's retention (default 7 days) and how often its housekeeping purges older rows (default 1 hour). */
  inbox?: Pick<InboxOptions, 'retentionMs'> & Pick<InboxHousekeepingOptions, 'purgeIntervalMs' | 'batchSize'>;
  /** Connections of the injectable DataSource (HTTP handlers, services). Default 10. */
  poolSize?: number;
  /** Connections of the Inbox's own DataSource, where message handlers run: HTTP cannot starve them. Default 10. */
  consumerPoolSize?: number;
  /** Connections of the outbox relay's pool. Default 2. */
  relayPoolSize?: number;
  /** The database is reached through PgBouncer in transaction mode: the relay polls instead of LISTEN. Default false. */
  pgbouncer?: boolean;
}

/**
 * Pool sizes of a service's database: HTTP, consumers (the inbox) and the relay each have their own, so a burst of
 * one cannot starve the others. Measured with 300 orders placed at once and polled every 100 ms, one shared pool
 * of 10 let 10 orders become final while 270 were paid (POST to final p50 13.5 s).
 */
export const SERVICE_DATABASE_DEFAULTS = { poolSize: 10, consumerPoolSize: 10, relayPoolSize: 2 } as const;

/** The TypeORM DataSource of the consumers (the Inbox runs on it), beside the default one. */
export const CONSUMER_DATA_SOURCE = 'pg-messaging-consumers';

/**
 * A service's own database, as the reference apps use it: TypeORM (DataSource, EntityManager, repositories) on it,
 * its outbox and inbox tables migrated first, and an injectable `Outbox` and `Inbox`; while the app runs, the inbox
 * purge and, unless `relay: false`, its outbox relay to the broker (replicas share the work with SKIP LOCKED).
 */
@Module({})
export class ServiceDatabaseModule {
  static forRoot(options: ServiceDatabaseOptions): DynamicModule {
    const size = (option: keyof typeof SERVICE_DATABASE_DEFAULTS) => assertIntegerInRange(option, options[option] ?? SERVICE_DATABASE_DEFAULTS[option], 1, 1000);
    const sizes = { poolSize: size('poolSize'), consumerPoolSize: size('consumerPoolSize'), relayPoolSize: size('relayPoolSize') };
    const dataSource = (poolSize: number) => ({
      type: 'postgres' as const,
      url: options.url,
      entities: options.entities,
      poolSize,
      extra: ERROR_LISTENING_POOL,
      retryAttempts: 3,
    });
    return {
      module: ServiceDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            const migrate = options.migrate ?? true;
            if (migrate) await applyMigrationsToDatabase(options.url, SERVICE_SCHEMA, SERVICE_MIGRATIONS);
            return { ...dataSource(sizes.poolSize), migrations: options.migrations, migrationsTableName: SERVICE_TYPEORM_MIGRATIONS_TABLE, migrationsRun: migrate };
          },
        }),
        TypeOrmModule.forRootAsync({ name: CONSUMER_DATA_SOURCE, useFactory: () => dataSource(sizes.consumerPoolSize) }),
      ],
      providers: [
        { provide: Outbox, useValue: new Outbox({ schema: SERVICE_SCHEMA }) },
        {
          provide: Inbox,
          inject: [getDataSourceToken(CONSUMER_DATA_SOURCE)],
          useFactory: (consumers: DataSource) => new Inbox(consumers, { schema: SERVICE_SCHEMA, retentionMs: options.inbox?.retentionMs }),
        },
        runWhileAppRuns('inbox-housekeeping', [Inbox], async (inbox: Inbox<EntityManager>) =>
          Housekeeping.forInbox(inbox, { purgeIntervalMs: options.inbox?.purgeIntervalMs, batchSize: options.inbox?.batchSize }).start(),
        ),
        ...(options.relay === false
          ? []
          : [
              runWhileAppRuns('outbox-relay', [MESSAGE_BROKER], (broker: MessageBroker) =>
                new OutboxRelay({ database: options.url, poolSize: sizes.relayPoolSize, schema: SERVICE_SCHEMA, broker, listen: !options.pgbouncer, logger: nestBrokerLogger() }).start(),
              ),
            ]),
      ],
      exports: [TypeOrmModule, Outbox, Inbox],
    };
  }
}
