import { MESSAGING_ENVIRONMENT } from '@app/messaging';

/** The files of a new worker app. `name` is the kebab-case worker name without "-worker"; `Name` its PascalCase. */
export interface WorkerNames {
  name: string;
  Name: string;
  app: string;
  port: number;
}

export function workerFiles({ name, Name, app, port }: WorkerNames): Record<string, string> {
  return {
    [`apps/${app}/src/tracing.ts`]: `// Imported first by main.ts: starts OpenTelemetry before Nest, http and pg are loaded (when an OTLP endpoint is set).
import { startTelemetry } from '@app/messaging/telemetry';

startTelemetry('${app}');
`,
    [`apps/${app}/src/config.ts`]: `import { MESSAGING_ENVIRONMENT, portFromEnvironment, readBrokerDatabaseUrl, readEnvironment, readFlag, readMessagingEnvironment, type MessagingEnvironment } from '@app/messaging';

/** What ${app} reads from its environment (each may also come from a file: NAME_FILE). */
export interface ${Name}WorkerConfig {
  /** Port of health and metrics (a worker serves nothing else over HTTP). OPS_PORT, default ${port}. */
  opsPort: number;
  /** Address the ops port binds. OPS_HOST, default 0.0.0.0 (npm start sets 127.0.0.1). */
  opsHost?: string;
  /** The broker: MESSAGING_DRIVER (postgres by default, or rabbitmq), RABBITMQ_URL(_FILE), RABBITMQ_EXCHANGE. Unset: postgres. */
  messaging?: MessagingEnvironment;
  /** The broker's database on the postgres driver (DATABASE_PASSWORD is put in it when it has none). BROKER_DATABASE_URL (not read on rabbitmq). */
  brokerDatabaseUrl?: string;
  /** Migrate the broker at start (postgres). MIGRATE_ON_START, default true; npm start and compose migrate beforehand, as the owner. */
  migrateOnStart?: boolean;
}

export const ${name.toUpperCase().replace(/-/g, '_')}_WORKER_ENVIRONMENT = ['OPS_PORT', 'OPS_HOST', 'BROKER_DATABASE_URL', 'DATABASE_PASSWORD', 'MIGRATE_ON_START', ...MESSAGING_ENVIRONMENT] as const;

export function read${Name}WorkerConfig(env: NodeJS.ProcessEnv = process.env): ${Name}WorkerConfig {
  const messaging = readMessagingEnvironment(env);
  return {
    opsPort: portFromEnvironment('OPS_PORT', ${port}, env),
    opsHost: readEnvironment('OPS_HOST', env),
    messaging,
    brokerDatabaseUrl: readBrokerDatabaseUrl(messaging, 'BROKER_DATABASE_URL', env),
    migrateOnStart: readFlag('MIGRATE_ON_START', true, env),
  };
}
`,
    [`apps/${app}/src/${name}.handler.ts`]: `import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { ROUTING_KEYS, type OrderCreated } from '@app/contracts';
import { Consume, PgContext } from '@app/messaging';

/**
 * ${Name}'s consumer. Its queue, ${name}.order-created, gets a copy of every order.created (change the pattern to
 * what you need: '*' is one word, '#' any number; the routing keys and payloads are in libs/contracts). Return to
 * ack; throw to retry with backoff, and after maxAttempts the message goes to ${name}.order-created.dlq and raises
 * an alert.
 */
@Controller()
export class ${Name}Handler {
  private readonly logger = new Logger(${Name}Handler.name);
  /** Messages handled by this process (for the test and for a first look). */
  handled = 0;

  @Consume(ROUTING_KEYS.orderCreated, { queue: '${name}.order-created', maxAttempts: 5, retryBaseMs: 1_000, concurrency: 5 })
  async onOrderCreated(@Payload() order: OrderCreated, @Ctx() ctx: PgContext): Promise<void> {
    this.logger.log(\`order \${order.id} (message \${ctx.getMessageId()}, attempt \${ctx.getAttempt()})\`);
    this.handled++;
  }
}
`,
    [`apps/${app}/src/${app}.module.ts`]: `import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController, MessagingModule, messagingConnection, MetricsController, OpsModule, structuredLoggerModule } from '@app/messaging';
import type { ${Name}WorkerConfig } from './config.js';
import { ${Name}Handler } from './${name}.handler.js';

@Module({})
export class ${Name}WorkerModule {
  static register(config: ${Name}WorkerConfig): DynamicModule {
    return {
      module: ${Name}WorkerModule,
      imports: [
        structuredLoggerModule('${app}'),
        // On either broker (MESSAGING_DRIVER); order-api runs the broker's housekeeping, this worker's role may not.
        MessagingModule.forRoot({ ...messagingConnection(config, { applicationName: '${app}', migrate: config.migrateOnStart }), housekeeping: false }),
        // Health and metrics on the ops port (OPS_PORT), the only port a worker has.
        OpsModule.forRoot({ port: config.opsPort, host: config.opsHost }),
      ],
      controllers: [${Name}Handler, HealthController, MetricsController],
    };
  }
}
`,
    [`apps/${app}/src/app.ts`]: `import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applyHttpServerDefaults, connectMessagingServer, useStructuredLogger } from '@app/messaging';
import type { ${Name}WorkerConfig } from './config.js';
import { ${Name}WorkerModule } from './${app}.module.js';

export async function create${Name}Worker(config: ${Name}WorkerConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(${Name}WorkerModule.register(config), { bufferLogs: true, ...options });
  useStructuredLogger(app, options);
  applyHttpServerDefaults(app);
  connectMessagingServer(app, { serviceName: '${name}' });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  return app;
}
`,
    [`apps/${app}/src/main.ts`]: `import './tracing.js';
import { Logger } from '@nestjs/common';
import { OpsListener } from '@app/messaging';
import { create${Name}Worker } from './app.js';
import { read${Name}WorkerConfig } from './config.js';

const config = read${Name}WorkerConfig();
const app = await create${Name}Worker(config);
// No API of its own: only the ops listener (health, metrics), which starts with the app.
await app.init();
new Logger('${Name}Worker').log(\`${app} running; health on \${app.get(OpsListener).url}/health\`);
`,
    [`apps/${app}/test/${app}.spec.ts`]: `import type { INestApplication } from '@nestjs/common';
import { connectBroker, messagingConnection, MESSAGING_ENVIRONMENT_DEFAULTS, type MessageBroker } from '@app/messaging';
import { createTestDatabase, createTestVhost, rabbitmqUrl, waitFor } from '@app/messaging/testing';
import { create${Name}Worker } from '../src/app.js';
import type { ${Name}WorkerConfig } from '../src/config.js';
import { ${Name}Handler } from '../src/${name}.handler.js';

/** The broker of one run: what the worker's config says about it, and how to remove it afterwards. */
interface TestBrokerSetup {
  config: Pick<${Name}WorkerConfig, 'messaging' | 'brokerDatabaseUrl'>;
  drop(): Promise<void>;
}

async function onPostgres(): Promise<TestBrokerSetup> {
  const db = await createTestDatabase('${name.replace(/-/g, '_')}_broker');
  return { config: { brokerDatabaseUrl: db.url }, drop: () => db.drop() };
}

// A vhost of its own on RABBITMQ_URL's server: dropping it removes the worker's exchange and queues.
async function onRabbitmq(): Promise<TestBrokerSetup> {
  const vhost = await createTestVhost('${name}');
  return { config: { messaging: { driver: 'rabbitmq', rabbitmqUrl: vhost.url, exchange: MESSAGING_ENVIRONMENT_DEFAULTS.exchange } }, drop: () => vhost.drop() };
}

function describeOn(title: string, setup: () => Promise<TestBrokerSetup>) {
  describe(title, () => {
    let broker: TestBrokerSetup;
    let app: INestApplication | undefined;
    let client: MessageBroker;

    beforeAll(async () => {
      broker = await setup();
      app = await create${Name}Worker({ opsPort: 0, opsHost: '127.0.0.1', ...broker.config }, { logger: false });
      await app.init();
      client = await connectBroker(messagingConnection(broker.config, { poolSize: 1 }));
    });
    afterAll(async () => {
      await client?.close();
      await app?.close();
      await broker?.drop();
    });

    it('handles order.created from its own queue and acks it', async () => {
      await client.publish({ routingKey: 'order.created', payload: { id: 'order-1' } });
      await waitFor(() => app!.get(${Name}Handler).handled === 1, { what: 'the handler' });
      // Stopped, the worker has settled what it took: a message it had not acked would be back in its queue.
      await app!.close();
      app = undefined;
      expect(await client.queueStats('${name}.order-created')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
    });
  });
}

describeOn('${app} on the PostgreSQL broker', onPostgres);
if (rabbitmqUrl()) describeOn('${app} on RabbitMQ (MESSAGING_DRIVER=rabbitmq)', onRabbitmq);
else console.warn('${app} on RabbitMQ: not run, RABBITMQ_URL is not set (amqp://user:password@host:5672)');
`,
    [`apps/${app}/tsconfig.app.json`]: `{
  "extends": "../../tsconfig.build.json",
  "compilerOptions": { "outDir": "../../dist/apps/${app}" },
  "include": ["src/**/*", "../../libs/messaging/src/**/*", "../../libs/contracts/**/*"],
  "exclude": ["node_modules", "dist", "test", "**/*.spec.ts"]
}
`,
  };
}

/** The docker-compose.yml service of the worker (the `<<: *app` merge is added by the scaffolder). */
export function composeService({ app, port }: WorkerNames) {
  return {
    build: { context: '.', dockerfile: 'Dockerfile', args: { APP: app } },
    environment: {
      OPS_PORT: String(port),
      BROKER_DATABASE_URL: 'postgres://worker@postgres:5432/broker',
      DATABASE_PASSWORD_FILE: '/run/secrets/worker_password',
      MIGRATE_ON_START: 'false',
      OTEL_SERVICE_NAME: app,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
    },
    healthcheck: {
      test: ['CMD', 'node', '-e', `fetch('http://localhost:${port}/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
      interval: '5s',
      timeout: '3s',
      retries: 30,
    },
  };
}

/** What npm start needs to run the worker (apps/workers.json). */
export function registryEntry({ app, port }: WorkerNames) {
  return { entry: `${app}/src/main.ts`, port, env: [...MESSAGING_ENVIRONMENT, 'BROKER_DATABASE_URL'] };
}

/**
 * The worker's service in docker-compose.rabbitmq.yml, as the apps': RabbitMQ's URL from its secret, after RabbitMQ is
 * healthy (the scaffolder adds `environment: *on-rabbitmq`, MESSAGING_DRIVER and RABBITMQ_URL_FILE).
 */
export function composeRabbitmqService() {
  return { depends_on: { rabbitmq: { condition: 'service_healthy' } }, secrets: ['rabbitmq_url'] };
}
