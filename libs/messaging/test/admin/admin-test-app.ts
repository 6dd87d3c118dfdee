import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MESSAGE_BROKER, MessagingAdminModule, type MessageBroker, type MessagingAdminOptions } from '../../src/index.js';
import { createTestBroker, createTestDatabase, recordingLogger, testPool, type LoggedLine, type TestBroker, type TestDatabase } from '../../testing/index.js';

/** One token per role mix the tests need. */
export const TOKENS = {
  viewer: 'viewer-token-0123456789',
  operator: 'operator-token-0123456789',
  reader: 'reader-token-0123456789',
};

const TOKENS_FILE = `
# token role[,role] name
${TOKENS.viewer} viewer Vera Viewer
${TOKENS.operator} operator Olga Operator
${TOKENS.reader} viewer,payload:read Paul Reader
`;

/** The admin module in a listening Nest app, and how a test talks to it. */
export interface AdminHttp {
  url: string;
  app: INestApplication;
  lines: LoggedLine[];
  /** Runs SQL on the admin database. */
  adminQuery<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** An HTTP call to the API: `call('GET', '/api/queues', TOKENS.viewer)`; the parsed JSON body and the status. */
  call(method: string, path: string, token?: string | null, body?: unknown): Promise<{ status: number; body: any }>;
  /** Stops the app (its background work too) but keeps the broker and databases (adminQuery still works). */
  stop(): Promise<void>;
  /** Stops the app and closes adminQuery's pool. */
  end(): Promise<void>;
}

export interface AdminApp extends AdminHttp {
  t: TestBroker;
  db: TestDatabase;
  /** Stops the app and drops what it created. */
  close(): Promise<void>;
}

/** A Nest app listening on a free port with the admin module under /admin on `broker`, its tables in `db`. */
export async function startAdminHttp(broker: MessageBroker, db: TestDatabase, options: Partial<MessagingAdminOptions> = {}): Promise<AdminHttp> {
  const logger = recordingLogger();

  // The broker as MessagingModule provides it (global, under MESSAGE_BROKER).
  @Module({})
  class BrokerModule {}
  @Module({
    imports: [
      { module: BrokerModule, global: true, providers: [{ provide: MESSAGE_BROKER, useValue: broker }], exports: [MESSAGE_BROKER] },
      MessagingAdminModule.forRoot({ database: db.url, tokens: TOKENS_FILE, prefix: '/admin', logger, ...options }),
    ],
  })
  class HostModule {}

  const app = await NestFactory.create(HostModule, { logger: false });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const pool = testPool(db.url, 2);
  let stopped: Promise<void> | null = null;
  return {
    url,
    app,
    lines: logger.lines,
    adminQuery: async (text, values) => (await pool.query(text, values)).rows,
    call: async (method, path, token, body) => {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    },
    stop: () => (stopped ??= app.close()),
    end: async () => {
      await (stopped ??= app.close());
      await pool.end();
    },
  };
}

/** startAdminHttp on a PostgreSQL test broker and a fresh admin database (or another app's: a second replica, a restart). */
export async function startAdminApp(
  label: string,
  options: Partial<MessagingAdminOptions> = {},
  brokerOptions: Parameters<typeof createTestBroker>[1] = {},
  /** Another app's broker and admin database: left for that app to clean up. */
  shared?: Pick<AdminApp, 't' | 'db'>,
): Promise<AdminApp> {
  const t = shared?.t ?? (await createTestBroker(label, brokerOptions));
  const db = shared?.db ?? (await createTestDatabase(`${label}_admin`));
  const http = await startAdminHttp(t.broker, db, options);
  return {
    ...http,
    t,
    db,
    close: async () => {
      await http.end();
      if (shared) return;
      await t.cleanup();
      await db.drop();
    },
  };
}
