// The public entry point of the messaging library. Apps import only from here.
export { Broker, PostgresBroker, type ClaimOptions } from './drivers/postgres/broker.js';
export type { MaintenanceChore, MessageBroker, ReplyInbox } from './driver/message-broker.js';
export type { BrokerCapabilities } from './driver/capabilities.js';
export type { DeadLetterEvent } from './driver/dead-letter-event.js';
export type { MessageConsumer } from './driver/broker-types.js';
export {
  connectBroker,
  MESSAGING_DRIVER_ENVIRONMENT,
  MESSAGING_DRIVERS,
  messagingDriver,
  validateConnectBrokerOptions,
  type ConnectBrokerOptions,
  type MessagingDriver,
  type RabbitMqBrokerOptions,
} from './connect-broker.js';
export { InjectMessageBroker, MESSAGE_BROKER } from './message-broker.token.js';
export { REPLY_QUEUE_TTL_MS } from './drivers/postgres/reply-inbox.js';
export type { QueueDepth, QueueStats, RedriveOptions } from './drivers/postgres/queue-admin.js';
export { BROKER_DEFAULTS, type BrokerOptions } from './drivers/postgres/broker-options.js';
export { Consumer, type ConsumerOptions, type DeliveryControl, type HandledMessage, type MessageHandler } from './drivers/postgres/consumer.js';
export { CONSUMER_DEFAULTS } from './drivers/postgres/consumer-options.js';
export { consoleLogger, type BrokerLogger } from './core/logger.js';
export { nestBrokerLogger } from './nest/nest-logger.js';
export { structuredLoggerModule, traceContextFields, useStructuredLogger } from './nest/logging.js';
export type { DeathRecord, Delivery, OutgoingMessage } from './message.js';
export { MAX_PUBLISH_BATCH, type PublishOptions, type PublishResult } from './drivers/postgres/publisher.js';
export { redactPii, redactPiiIn, REDACTED_EMAIL, REDACTED_PHONE } from './privacy/pii-redaction.js';
export type { NackOptions, NackOutcome, SettleResult } from './drivers/postgres/settler.js';
export { errorText } from './core/error-text.js';
export { MAX_DELAY_MS, MAX_NACK_DELAY_MS } from './limits.js';
export { ERROR_LISTENING_POOL, ErrorListeningClient, pgExecutor, survivingConnectionErrors, typeOrmExecutor, type SqlExecutor, type SqlStatement, type Transaction } from './postgres/sql-executor.js';
export * from './errors.js';
export { MESSAGING_OPTIONS, MessagingModule, type MessagingModuleAsyncOptions, type MessagingModuleExtras, type MessagingModuleOptions } from './messaging.module.js';
export {
  HOUSEKEEPING_DEFAULTS,
  Housekeeping,
  type BrokerHousekeepingOptions,
  type Chore,
  type HousekeepingOptions,
  type InboxHousekeepingOptions,
} from './housekeeping/housekeeping.js';
export { LATEST_SCHEMA_VERSION, migrate } from './drivers/postgres/migrations/index.js';
export { DEAD_LETTER_SUFFIX, QUEUE_DEFAULTS, type QueueOptions, type ResolvedQueueOptions } from './topology/queue-options.js';
export type { QueueInfo } from './drivers/postgres/topology.js';
export { compilePattern, topicMatches } from './topology/topic-matcher.js';
export { DEFAULT_MAX_PAYLOAD_BYTES } from './validation/payload.js';
export { Consume, type HandlerOptions } from './transport/consume.decorator.js';
export { MessagingExceptionFilter } from './transport/messaging-exception.filter.js';
export { MessagingClient, type MessagingClientOptions } from './transport/messaging.client.js';
export { MessagingContext } from './transport/messaging.context.js';
export { MessagingRecord, MessagingRecordBuilder, type MessagingRecordOptions } from './transport/messaging.record-builder.js';
export { MessagingServer, type MessagingServerOptions } from './transport/messaging.server.js';
export {
  MESSAGING_TRANSPORT,
  type DeadLetteredEvent,
  type MessagingClientEvents,
  type MessagingServerEvents,
  type MessagingTransportStatus,
} from './transport/messaging.transport.js';
export { CORRELATION_ID_HEADER, REPLY_TO_HEADER, requestQueueName } from './transport/request-reply.js';
export {
  PG_TRANSPORT,
  PgClient,
  PgContext,
  PgRecord,
  PgRecordBuilder,
  PgServer,
  type PgClientEvents,
  type PgClientOptions,
  type PgRecordOptions,
  type PgServerEvents,
  type PgServerOptions,
  type PgTransportStatus,
} from './transport/pg-aliases.js';
export { Inbox, type InboxMessage, type InboxOptions, type InboxResult, type TransactionRunner } from './inbox/inbox.js';
export { Outbox, type OutboxMessage, type OutboxOptions } from './outbox/outbox.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay.js';
export { BROKER_MIGRATIONS, migrateDatabase } from './drivers/postgres/migrations/index.js';
export type { MigrationSet } from './postgres/migrator.js';
export { SERVICE_MIGRATIONS } from './postgres/service-migrations/index.js';
export { AlertRateLimiter } from './ops/alert-rate-limiter.js';
export { DEAD_LETTERED_ROUTING_KEY, DeadLetterAlerter, type DeadLetterAlert, type DeadLetterAlerterOptions } from './ops/dead-letter-alerter.js';
export { connectMessagingServer, connectPgServer } from './nest/connect-messaging-server.js';
export { applyHttpServerDefaults, type HttpServerDefaultsOptions } from './nest/http-server-defaults.js';
export { runWhileAppRuns } from './nest/background-task.js';
export { HEALTH_CHECK_TIMEOUT_MS, HEALTH_OPTIONS, HealthController, type HealthOptions } from './ops/health.controller.js';
export { portFromEnvironment, readEnvironment, readFlag, requireDatabaseUrl, requireEnvironment } from './nest/environment.js';
export {
  MESSAGING_ENVIRONMENT,
  MESSAGING_ENVIRONMENT_DEFAULTS,
  messagingConnection,
  readBrokerDatabaseUrl,
  readMessagingEnvironment,
  type MessagingEnvironment,
  type PostgresOnlyOptions,
} from './nest/messaging-environment.js';
export { METRICS_OPTIONS, MetricsController, type MetricsOptions } from './ops/metrics.controller.js';
export { MetricsModule } from './ops/metrics.module.js';
export { OPS_LISTENER_OPTIONS, OPS_PATHS, OpsEndpoint, OpsListener, OpsListenerGuard, type OpsListenerOptions } from './ops/ops-listener.js';
export { OpsModule } from './ops/ops.module.js';
export { migrateServiceDatabase, SERVICE_SCHEMA, SERVICE_TYPEORM_MIGRATIONS_TABLE } from './nest/service-migrations.js';
export {
  APP_ROLE_SETTINGS,
  dropRoles,
  ensureRoles,
  grantBrokerRoles,
  grantServiceDatabase,
  restrictDatabase,
  scramVerifier,
  type BrokerRoleNames,
  type LoginRole,
  type RoleClient,
  type ServiceGrants,
} from './drivers/postgres/roles/database-roles.js';
export { CONSUMER_DATA_SOURCE, SERVICE_DATABASE_DEFAULTS, ServiceDatabaseModule, type ServiceDatabaseOptions } from './nest/service-database.module.js';
export { RabbitMqBroker } from './drivers/rabbitmq/rabbitmq-broker.js';
export { RABBITMQ_DEFAULTS } from './drivers/rabbitmq/rabbitmq-options.js';
export { RABBITMQ_CAPABILITIES } from './drivers/rabbitmq/rabbitmq-capabilities.js';
// Issue 11, driver interface for operators (helper A).
export type { BrowseQuery, DeadLetterFilter, DeadLetterGroup, MessageDetail, MessagePage, MessageState, MessageSummary, QueueActivity } from './driver/admin-types.js';
export { MESSAGE_STATES } from './driver/admin-types.js';
export { errorTypeOf } from './driver/error-type.js';
export { BROWSE_DEFAULT_LIMIT, BROWSE_MAX_LIMIT, MAX_REDRIVE_IDS } from './validation/browse-query.js';
