// Test helpers that users of the library get too.
export { TS_PROCESS_IMPORT, TsProcess, type TsProcessOptions } from './child-process.js';
export { startEmbeddedPostgres, type EmbeddedPostgresOptions, type RunningPostgres } from './embedded-postgres.js';
export { freePort } from './free-port.js';
export { startPgBouncer, type PgBouncerOptions, type RunningPgBouncer } from './pgbouncer.js';
export { createTestBroker, createTestDatabase, testDatabaseUrl, testPool, uniqueSchemaName, type TestBroker, type TestDatabase } from './test-database.js';
export { signal, waitFor } from './wait-for.js';
export { recordingLogger, type LoggedLine } from './recording-logger.js';
export { startWebhookReceiver, type RunningWebhookReceiver } from './webhook-receiver.js';
export { startOtlpReceiver, type OtlpSpan, type RunningOtlpReceiver } from './otlp-receiver.js';
export { createTestVhost, reportDidNotRun, rabbitmqUrl, type TestVhost } from './rabbitmq-vhost.js';
export { createServiceDatabase, TEST_SERVICE_SCHEMA, type ServiceDatabase } from './service-database.js';
export { describeDriverConformance, type ChildBrokerModule, type DriverFactory, type DriverUnderTest } from './driver-conformance/index.js';
export { RABBITMQ_CLUSTER_DEFAULTS, RabbitMqNode, rabbitMqScriptsDir, startRabbitMqCluster, type QuorumPlacement, type RabbitMqCluster, type RabbitMqClusterOptions, type RabbitMqNodeSpec } from './rabbitmq-cluster.js';
