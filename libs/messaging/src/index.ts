// The public entry point of the messaging library. Apps import only from here.
export { Broker, type ClaimOptions, type QueueStats } from './broker/broker.js';
export { BROKER_DEFAULTS, type BrokerOptions } from './broker/broker-options.js';
export { Consumer, type ConsumerOptions, type DeliveryControl, type MessageHandler } from './broker/consumer.js';
export { consoleLogger, type BrokerLogger } from './broker/logger.js';
export type { DeathRecord, Delivery, OutgoingMessage } from './broker/message.js';
export { MAX_PUBLISH_BATCH, type PublishOptions, type PublishResult } from './broker/publisher.js';
export type { NackOptions, NackOutcome, SettleResult } from './broker/settler.js';
export { pgExecutor, typeOrmExecutor, type SqlExecutor, type SqlStatement, type Transaction } from './broker/sql-executor.js';
export * from './errors.js';
export { MESSAGING_OPTIONS, MessagingModule, type MessagingModuleAsyncOptions } from './messaging.module.js';
export { LATEST_SCHEMA_VERSION, migrate } from './sql/migrator.js';
export { DEAD_LETTER_SUFFIX, QUEUE_DEFAULTS, type QueueOptions, type ResolvedQueueOptions } from './topology/queue-options.js';
export type { QueueInfo } from './topology/topology.js';
export { compilePattern, topicMatches } from './topology/topic-matcher.js';
export { DEFAULT_MAX_PAYLOAD_BYTES } from './validation/payload.js';
