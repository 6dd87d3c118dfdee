import 'reflect-metadata';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Broker, connectPgServer, Consume, HealthController, MessagingModule, ServiceDatabaseModule } from '../src/index.js';
import {
  createTestDatabase,
  freePort,
  recordingLogger,
  testDatabaseUrl,
  testPool,
  uniqueSchemaName,
  waitFor,
  type TestDatabase,
} from '../testing/index.js';
import { startFaultProxy, type FaultProxy } from '../testing/faults/index.js';

// Health bodies are read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

@Controller()
class PingHandler {
  @Consume('health.ping', { queue: 'health.pings' })
  async ping(): Promise<void> {}
}

describe('health (terminus): liveness and readiness', () => {
  const schema = uniqueSchemaName('health');
  let proxy: FaultProxy;
  let service: TestDatabase;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    proxy = await startFaultProxy({ host: new URL(testDatabaseUrl()).hostname, port: Number(new URL(testDatabaseUrl()).port || 5432) });
    service = await createTestDatabase('health_service');
    // Both databases are reached through the proxy, so blackholing it freezes them as a stopped server would.
    @Module({
      imports: [
        MessagingModule.forRoot({
          connectionString: proxy.through(testDatabaseUrl()),
          schema,
          poolSize: 4,
          logger: recordingLogger(),
          housekeeping: false,
          health: { timeoutMs: 1_000 },
        }),
        ServiceDatabaseModule.forRoot({ url: proxy.through(service.url), entities: [], migrations: [], relay: false }),
      ],
      controllers: [PingHandler, HealthController],
    })
    class ServiceModule {}
    app = await NestFactory.create(ServiceModule, { logger: false });
    connectPgServer(app, { serviceName: 'health' });
    await app.startAllMicroservices();
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    proxy.pass();
    await app.close();
    await proxy.close();
    await service.drop();
    const admin = testPool(testDatabaseUrl(), 1);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
    return { status: response.status, body: (await response.json()) as Json };
  };

  it('is ready when the broker database, the service database, the consumers and the LISTEN connection are up', async () => {
    const { status, body } = await get('/health/ready');
    expect(status).toBe(200);
    expect(body.details).toEqual({
      broker: expect.objectContaining({ status: 'up' }),
      database: expect.objectContaining({ status: 'up' }),
      consumers: { status: 'up', running: ['health.pings'] },
      listen: { status: 'up', state: 'connected' },
    });
    expect((await get('/health')).status).toBe(200);
    expect(await get('/health/live')).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok' }) });
  });

  it('a frozen database makes readiness answer 503 within its timeout instead of hanging, and it recovers after', async () => {
    proxy.blackhole();
    try {
      const startedAt = Date.now();
      const { status, body } = await get('/health/ready');
      const tookMs = Date.now() - startedAt;
      expect(status).toBe(503);
      expect(body.error).toEqual({ broker: expect.objectContaining({ status: 'down' }), database: expect.objectContaining({ status: 'down' }) });
      // The checks time out after 1 s each, in parallel; the old check waited for as long as the database did.
      expect(tookMs).toBeLessThan(10_000);
      expect((await get('/health')).status).toBe(503);
      // Liveness does not depend on the database: restarting the process would not help.
      expect((await get('/health/live')).status).toBe(200);
    } finally {
      proxy.pass();
    }
    await waitFor(async () => (await get('/health/ready')).status === 200, { timeoutMs: 30_000, what: 'readiness after the blackhole heals' });
  });

  it('readiness fails while a consumer of this process has stopped, and passes once the queue is consumed again', async () => {
    const broker = app.get(Broker);
    await broker.declareQueue('health.extra');
    const consumer = await broker.consume('health.extra', async () => undefined);
    expect((await get('/health/ready')).body.details.consumers).toEqual({ status: 'up', running: ['health.extra', 'health.pings'] });

    await consumer.stop();
    const { status, body } = await get('/health/ready');
    expect(status).toBe(503);
    expect(body.error).toEqual({ consumers: { status: 'down', running: ['health.pings'], stopped: ['health.extra'] } });

    // The app's shutdown stops this one.
    await broker.consume('health.extra', async () => undefined);
    expect((await get('/health/ready')).status).toBe(200);
  });

  it('readiness fails while the LISTEN connection is down, and passes once it is back', async () => {
    const broker = app.get(Broker);
    const admin = testPool(testDatabaseUrl(), 1);
    proxy.refuse();
    try {
      // The session ends and its reconnects are refused, while the pool's open connections still answer.
      await admin.query('SELECT pg_terminate_backend($1)', [broker.listenerBackendPid]);
      await waitFor(() => broker.listenerState === 'disconnected', { what: 'the LISTEN connection to drop' });
      const { status, body } = await get('/health/ready');
      expect(status).toBe(503);
      expect(body.error.listen).toEqual({ status: 'down', state: 'disconnected' });
    } finally {
      proxy.pass();
      await admin.end();
    }
    await waitFor(async () => (await get('/health/ready')).status === 200, { timeoutMs: 30_000, what: 'readiness after the reconnect' });
    expect((await get('/health/ready')).body.details.listen).toEqual({ status: 'up', state: 'connected' });
  });
});
