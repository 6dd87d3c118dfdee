import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, messagingConnection, readBrokerDatabaseUrl, readMessagingEnvironment, validateConnectBrokerOptions } from '../src/index.js';

/** The error `read` throws, for its message and the variable it names. */
function refusal(read: () => unknown): InvalidArgumentError {
  try {
    read();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
  throw new Error('nothing was refused');
}

describe('the broker an app runs on, from its environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgm-messaging-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is PostgreSQL when MESSAGING_DRIVER is unset or empty, and ignores the RabbitMQ settings then', () => {
    expect(readMessagingEnvironment({})).toEqual({ driver: 'postgres' });
    expect(readMessagingEnvironment({ MESSAGING_DRIVER: '', RABBITMQ_URL: 'not read', RABBITMQ_EXCHANGE: 'amq.not-read' })).toEqual({ driver: 'postgres' });
    expect(readMessagingEnvironment({ MESSAGING_DRIVER: 'Postgres' })).toEqual({ driver: 'postgres' });
  });

  it('on rabbitmq: RABBITMQ_URL or the content of RABBITMQ_URL_FILE, and the exchange (default messaging)', () => {
    expect(readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toEqual({
      driver: 'rabbitmq',
      rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
      exchange: 'messaging',
    });
    const file = join(dir, 'rabbitmq_url');
    writeFileSync(file, 'amqps://app:s3cret@rabbit.internal:5671/shop\n');
    expect(readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL_FILE: file, RABBITMQ_EXCHANGE: 'shop.events:v2' })).toEqual({
      driver: 'rabbitmq',
      rabbitmqUrl: 'amqps://app:s3cret@rabbit.internal:5671/shop',
      exchange: 'shop.events:v2',
    });
  });

  it('refuses an unknown driver, a missing or non-AMQP RABBITMQ_URL (password hidden) and a bad exchange name, naming the variable', () => {
    const driver = refusal(() => readMessagingEnvironment({ MESSAGING_DRIVER: 'kafka' }));
    expect([driver.message, driver.details]).toEqual(['MESSAGING_DRIVER must be one of postgres, rabbitmq (got "kafka")', { variable: 'MESSAGING_DRIVER' }]);
    const missing = refusal(() => readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq' }));
    expect([missing.message, missing.details]).toEqual(['MESSAGING_DRIVER=rabbitmq needs RABBITMQ_URL (or RABBITMQ_URL_FILE), e.g. amqp://user:password@host:5672', { variable: 'RABBITMQ_URL' }]);
    const wrongScheme = refusal(() => readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: 'postgres://u:hunter2@db:5432/broker' }));
    expect(wrongScheme.message).toBe('RABBITMQ_URL must be an amqp:// or amqps:// URL (got postgres://u:***@db:5432/broker)');
    const notUrl = refusal(() => readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: '127.0.0.1:5672' }));
    expect([notUrl.message, notUrl.details]).toEqual(['RABBITMQ_URL is not a URL (amqp://user:password@host:5672/vhost)', { variable: 'RABBITMQ_URL' }]);
    const unreadable = refusal(() => readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL_FILE: join(dir, 'missing') }));
    expect(unreadable.details).toEqual({ variable: 'RABBITMQ_URL_FILE' });
    const url = 'amqp://guest:guest@127.0.0.1:5672';
    for (const exchange of ['with space', 'x'.repeat(121), 'ünïcode', '.leading-dot']) {
      const bad = refusal(() => readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: url, RABBITMQ_EXCHANGE: exchange }));
      expect([bad.message, bad.details]).toEqual([expect.stringMatching(/^RABBITMQ_EXCHANGE: Invalid exchange name .*: use 1-120 letters/), { variable: 'RABBITMQ_EXCHANGE' }]);
    }
    const reserved = refusal(() => readMessagingEnvironment({ MESSAGING_DRIVER: 'rabbitmq', RABBITMQ_URL: url, RABBITMQ_EXCHANGE: 'amq.topic' }));
    expect(reserved.message).toBe('RABBITMQ_EXCHANGE: the exchange name "amq.topic" starts with amq., which RabbitMQ keeps for its own');
  });

  it('needs BROKER_DATABASE_URL on postgres only', () => {
    expect(readBrokerDatabaseUrl({ driver: 'postgres' }, 'BROKER_DATABASE_URL', { BROKER_DATABASE_URL: 'postgres://a@h/broker', DATABASE_PASSWORD: 'p' })).toBe('postgres://a:p@h/broker');
    expect(() => readBrokerDatabaseUrl({ driver: 'postgres' }, 'BROKER_DATABASE_URL', {})).toThrow('BROKER_DATABASE_URL (or BROKER_DATABASE_URL_FILE) is not set');
    expect(readBrokerDatabaseUrl({ driver: 'rabbitmq', rabbitmqUrl: 'amqp://h', exchange: 'messaging' }, 'BROKER_DATABASE_URL', {})).toBeUndefined();
  });

  it('gives connectBroker (and MessagingModule) the broker database on postgres, with the postgres-only options, and the URL and exchange on rabbitmq', () => {
    const postgres = messagingConnection({ messaging: { driver: 'postgres' }, brokerDatabaseUrl: 'postgres://a@h/broker' }, { applicationName: 'order-api', migrate: false });
    expect(postgres).toEqual({ driver: 'postgres', connectionString: 'postgres://a@h/broker', applicationName: 'order-api', migrate: false });
    expect(messagingConnection({ brokerDatabaseUrl: 'postgres://a@h/broker' })).toEqual({ driver: 'postgres', connectionString: 'postgres://a@h/broker' });
    expect(() => messagingConnection({ messaging: { driver: 'postgres' } })).toThrow(InvalidArgumentError);
    // The postgres-only options stay off RabbitMQ's, which connectBroker would refuse.
    const rabbitmq = messagingConnection({ messaging: { driver: 'rabbitmq', rabbitmqUrl: 'amqp://u:p@h:5672/v', exchange: 'shop' } }, { applicationName: 'order-api', migrate: false });
    expect(rabbitmq).toEqual({ driver: 'rabbitmq', url: 'amqp://u:p@h:5672/v', exchange: 'shop' });
    expect([validateConnectBrokerOptions(postgres), validateConnectBrokerOptions(rabbitmq)]).toEqual(['postgres', 'rabbitmq']);
  });
});
