import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import type { BrokerLogger } from '../core/logger.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { MESSAGE_BROKER } from '../message-broker.token.js';
import { runWhileAppRuns } from '../nest/background-task.js';
import { nestBrokerLogger } from '../nest/nest-logger.js';
import { AdminDatabase } from './admin-database.js';
import { ADMIN_OPTIONS, resolveAdminOptions, type MessagingAdminOptions, type ResolvedAdminOptions } from './admin-options.js';
import { AlertThresholdStore } from './alerts/alert-thresholds.js';
import { ThresholdChecker } from './alerts/threshold-checker.js';
import { AdminAuthGuard } from './auth/admin-auth.guard.js';
import { AdminTokenRegistry } from './auth/admin-tokens.js';
import { AuditLog } from './audit/audit-log.js';
import type { AdminBroker } from './broker-administration.js';
import { ADMIN_BROKER } from './http/admin-api.decorator.js';
import { AdminMessagesController } from './messages/messages.controller.js';
import { AdminQueuesController } from './queues/queues.controller.js';
import { AdminDeadLettersController } from './redrive/dead-letters.controller.js';
import { RedriveJobs } from './redrive/redrive-jobs.js';
import { QueueSampler } from './samples/queue-sampler.js';
import { AdminTopologyController } from './topology/topology.controller.js';

const ADMIN_LOGGER = Symbol('MESSAGING_ADMIN_LOGGER');

/** The admin API's controllers (the console's, served by the same module, join them here). */
export const ADMIN_CONTROLLERS = [AdminQueuesController, AdminMessagesController, AdminDeadLettersController, AdminTopologyController];

const providers: Provider[] = [
  { provide: ADMIN_BROKER, inject: [MESSAGE_BROKER], useFactory: (broker: MessageBroker) => broker as AdminBroker },
  { provide: ADMIN_LOGGER, inject: [ADMIN_OPTIONS], useFactory: (options: ResolvedAdminOptions) => options.logger ?? nestBrokerLogger('messaging-admin') },
  { provide: AdminTokenRegistry, inject: [ADMIN_OPTIONS], useFactory: (options: ResolvedAdminOptions) => new AdminTokenRegistry(options.tokens) },
  { provide: AdminDatabase, inject: [ADMIN_OPTIONS], useFactory: (options: ResolvedAdminOptions) => AdminDatabase.open(options) },
  { provide: AuditLog, inject: [AdminDatabase, ADMIN_LOGGER], useFactory: (db: AdminDatabase, logger: BrokerLogger) => new AuditLog(db, logger) },
  { provide: AlertThresholdStore, inject: [AdminDatabase], useFactory: (db: AdminDatabase) => new AlertThresholdStore(db) },
  {
    provide: QueueSampler,
    inject: [ADMIN_BROKER, AdminDatabase, ADMIN_OPTIONS, ADMIN_LOGGER],
    useFactory: (broker: AdminBroker, db: AdminDatabase, options: ResolvedAdminOptions, logger: BrokerLogger) => new QueueSampler(broker, db, { intervalMs: options.sampleIntervalMs, logger }),
  },
  {
    provide: ThresholdChecker,
    inject: [ADMIN_BROKER, AlertThresholdStore, ADMIN_OPTIONS, ADMIN_LOGGER],
    useFactory: (broker: AdminBroker, store: AlertThresholdStore, options: ResolvedAdminOptions, logger: BrokerLogger) =>
      new ThresholdChecker(broker, store, { intervalMs: options.alertCheckIntervalMs, webhookUrl: options.alertWebhookUrl, logger }),
  },
  {
    provide: RedriveJobs,
    inject: [ADMIN_BROKER, AdminDatabase, AuditLog, ADMIN_LOGGER, ADMIN_OPTIONS],
    useFactory: (broker: AdminBroker, db: AdminDatabase, audit: AuditLog, logger: BrokerLogger, options: ResolvedAdminOptions) =>
      new RedriveJobs(broker, db, audit, logger, options.redriveTakeoverMs),
  },
  AdminAuthGuard,
  // The sampler, the threshold checker and the redrive jobs run while the app runs; the pool closes after them.
  runWhileAppRuns('messaging-admin-background', [QueueSampler, ThresholdChecker, RedriveJobs, AdminDatabase], async (sampler: QueueSampler, checker: ThresholdChecker, jobs: RedriveJobs, db: AdminDatabase) => {
    const running = [sampler.start(), checker.start(), jobs.start()];
    return {
      stop: async () => {
        await Promise.all(running.map((part) => part.stop()));
        await db.close();
      },
    };
  }),
];

/**
 * The broker's admin HTTP API, mountable in any app beside MessagingModule: `MessagingAdminModule.forRoot({ database,
 * tokens, prefix: 'admin' })` serves `/admin/api/...` (queues, messages, dead letters, redrives, purge, pause,
 * topology, alert thresholds, audit) behind bearer tokens with the roles viewer, operator and payload:read. Its own
 * tables (audit, thresholds, redrive jobs, samples) live in the PostgreSQL database given, whichever driver the
 * broker is. The options are checked when the module is built, so a bad one fails the boot.
 */
@Module({})
export class MessagingAdminModule {
  static forRoot(options: MessagingAdminOptions): DynamicModule {
    const resolved = resolveAdminOptions(options);
    return {
      module: MessagingAdminModule,
      imports: [RouterModule.register([{ path: resolved.prefix, module: MessagingAdminModule }])],
      controllers: ADMIN_CONTROLLERS,
      providers: [{ provide: ADMIN_OPTIONS, useValue: resolved }, ...providers],
      exports: [AuditLog, RedriveJobs, QueueSampler, ThresholdChecker, ADMIN_OPTIONS],
    };
  }
}
