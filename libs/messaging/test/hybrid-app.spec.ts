import 'reflect-metadata';
import { BadRequestException, Body, Controller, Inject, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, Ctx, Payload, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { connectPgServer, Consume, MessagingModule, PgClient, PgContext } from '../src/index.js';
import { createTestBroker, waitFor, type TestBroker } from '../testing/index.js';

const received: { data: unknown; attempt: number }[] = [];

@Controller('orders')
class OrdersController {
  constructor(@Inject('EVENTS') private readonly events: ClientProxy) {}

  @Post()
  async create(@Body() body: { sku: string }) {
    await lastValueFrom(this.events.emit('order.created', body), { defaultValue: undefined });
    return { status: 'accepted' };
  }

  @Consume('order.created', { queue: 'api.order-created' })
  onCreated(@Payload() data: unknown, @Ctx() ctx: PgContext) {
    received.push({ data, attempt: ctx.getAttempt() });
  }

  @Consume('order.cancelled', { queue: 'api.order-cancelled', maxAttempts: 1 })
  onCancelled() {
    throw new RangeError('refund window closed');
  }

  @Post('fail')
  fail() {
    throw new BadRequestException(['nope']);
  }
}

describe('a hybrid HTTP + microservice app (connectMicroservice)', () => {
  let t: TestBroker;
  let app: INestApplication;

  beforeAll(async () => {
    t = await createTestBroker('hybrid');
    @Module({
      imports: [ClientsModule.register([{ name: 'EVENTS', customClass: PgClient, options: { broker: t.broker } }])],
      controllers: [OrdersController],
    })
    class ApiModule {}
    @Module({ imports: [MessagingModule.forRoot({ pool: t.broker.pool, schema: t.schema, migrate: false })], exports: [MessagingModule] })
    class BrokerModule {}
    @Module({ imports: [ApiModule, BrokerModule] })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    connectPgServer(app, { serviceName: 'api' });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await t.cleanup();
  });

  it('an HTTP request emits an event that the same app consumes from its queue', async () => {
    const response = await fetch(`${await app.getUrl()}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'sku-1' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ status: 'accepted' });
    await waitFor(() => received.length === 1, { what: 'the event' });
    expect(received).toEqual([{ data: { sku: 'sku-1' }, attempt: 1 }]);
  });

  it('keeps the real error of a failing handler, and still answers HTTP errors as Nest does', async () => {
    await t.broker.publish({ routingKey: 'order.cancelled', payload: {} });
    const [dead] = await waitFor(() => t.broker.browse('api.order-cancelled.dlq'), { what: 'the dead letter' });
    expect(dead.deaths[0].lastError).toContain('RangeError: refund window closed');
    const response = await fetch(`${await app.getUrl()}/orders/fail`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ statusCode: 400, message: ['nope'], error: 'Bad Request' });
  });
});
