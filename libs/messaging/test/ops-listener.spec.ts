import 'reflect-metadata';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Broker, connectPgServer, Consume, HealthController, MessagingModule, MetricsController, OpsListener, OpsModule } from '../src/index.js';
import { recordingLogger, testDatabaseUrl, testPool, uniqueSchemaName, waitFor } from '../testing/index.js';

@Controller('hello')
class HelloController {
  @Get()
  hello(): { hello: string } {
    return { hello: 'world' };
  }
}

@Controller()
class PingHandler {
  handled = 0;

  @Consume('ops.ping', { queue: 'ops.pings' })
  async ping(): Promise<void> {
    this.handled++;
  }
}

describe('OpsModule: health and metrics on a port of their own', () => {
  const schema = uniqueSchemaName('ops');
  const apps: INestApplication[] = [];

  /** An app with an API route, a consumer, health and metrics; with `ops`, an ops listener too. */
  async function start(ops: boolean): Promise<{ app: INestApplication; main: string; ops?: string }> {
    @Module({
      imports: [
        MessagingModule.forRoot({ connectionString: testDatabaseUrl(), schema, poolSize: 2, logger: recordingLogger(), housekeeping: false }),
        ...(ops ? [OpsModule.forRoot({ port: 0, host: '127.0.0.1' })] : []),
      ],
      controllers: [HelloController, PingHandler, HealthController, MetricsController],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    apps.push(app);
    connectPgServer(app, { serviceName: 'ops' });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const main = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return { app, main, ops: ops ? app.get(OpsListener).url : undefined };
  }
  const status = (url: string) => fetch(url).then(async (r) => (await r.text(), r.status));

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    const admin = testPool(testDatabaseUrl(), 1);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('serves /health* and /metrics on the ops port only, every other route on the main port only (404 elsewhere); consumers still run', async () => {
    const { app, main, ops } = await start(true);
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) {
      expect([path, await status(`${ops}${path}`), await status(`${main}${path}`)]).toEqual([path, 200, 404]);
    }
    expect([await status(`${main}/hello`), await status(`${ops}/hello`), await status(`${ops}/nothing`)]).toEqual([200, 404, 404]);
    expect(await (await fetch(`${main}/metrics`)).json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /metrics' });
    // The guard (on every route) lets message handlers through.
    await app.get(Broker).publish({ routingKey: 'ops.ping', payload: {} });
    await waitFor(() => app.get(PingHandler).handled === 1, { what: 'the handler' });

    await app.close();
    await expect(fetch(`${ops}/health/live`)).rejects.toThrow();
  });

  it('without OpsModule, health and metrics answer on the main port, as before', async () => {
    const { main } = await start(false);
    expect([await status(`${main}/health/live`), await status(`${main}/metrics`), await status(`${main}/hello`)]).toEqual([200, 200, 200]);
  });
});
