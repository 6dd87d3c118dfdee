import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '@app/messaging';
import { createTestDatabase, type TestDatabase } from '@app/messaging/testing';
import { createOrderApi } from '../src/app.js';
import { readOrderApiConfig } from '../src/config.js';
import { TEST_AUTH } from './customer-tokens.js';

const OPERATOR = 'order-api-operator-token-1';

describe('order-api: the broker admin API under /admin', () => {
  let ordersDb: TestDatabase;
  let brokerDb: TestDatabase;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ordersDb = await createTestDatabase('orders_admin');
    brokerDb = await createTestDatabase('broker_admin');
    const broker = await Broker.connect({ connectionString: brokerDb.url, poolSize: 1 });
    await broker.declareQueue('test.sink', { deadLetterQueue: null });
    await broker.bindQueue('test.sink', 'order.#');
    await broker.publish({ routingKey: 'order.created', payload: { id: 1 } });
    await broker.close();
    // The tokens come from a secret file, as compose hands them over.
    const file = join(mkdtempSync(join(tmpdir(), 'admin-tokens-')), 'admin_tokens');
    writeFileSync(file, `${OPERATOR} operator Olga Operator\n`);
    const { adminTokens } = readOrderApiConfig({ ORDERS_DATABASE_URL: ordersDb.url, BROKER_DATABASE_URL: brokerDb.url, ORDER_API_JWT_SECRET: TEST_AUTH.secret, ADMIN_TOKENS_FILE: file });
    app = await createOrderApi(
      { port: 0, opsPort: 0, opsHost: '127.0.0.1', ordersDatabaseUrl: ordersDb.url, brokerDatabaseUrl: brokerDb.url, auth: TEST_AUTH, adminTokens },
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await ordersDb.drop();
    await brokerDb.drop();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}/admin/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('answers with the token from ADMIN_TOKENS_FILE, and 401 without it', async () => {
    expect(await call('GET', '/whoami', OPERATOR)).toEqual({ status: 200, body: { name: 'Olga Operator', roles: ['operator'] } });
    expect((await call('GET', '/whoami')).status).toBe(401);
    expect((await call('GET', '/whoami', 'a-customer-jwt-is-not-an-admin-token')).status).toBe(401);
  });

  it('reads the broker the app uses and acts on it through the app\'s JSON body handling, audited in the orders database', async () => {
    expect((await call('GET', '/topology/route?key=order.created', OPERATOR)).body.queues).toEqual(['test.sink']);
    expect((await call('POST', '/queues/test.sink/purge', OPERATOR, { confirm: 'test.sink' })).body).toEqual({ purged: 1 });
    const audit = await call('GET', '/audit', OPERATOR);
    expect(audit.body.entries).toEqual([expect.objectContaining({ actor: 'Olga Operator', action: 'purge', queue: 'test.sink', count: 1 })]);
  });
});
