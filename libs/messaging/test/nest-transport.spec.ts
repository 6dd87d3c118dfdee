import 'reflect-metadata';
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientsModule, Ctx, EventPattern, MessagePattern, Payload, RpcException, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { firstValueFrom, lastValueFrom, map, of, timer, toArray } from 'rxjs';
import {
  Consume,
  MessagingExceptionFilter,
  NoRequestHandlerError,
  PgClient,
  PgContext,
  PgServer,
  RequestTimeoutError,
  type Delivery,
} from '../src/index.js';
import { createTestBroker, waitFor, type TestBroker } from '../testing/index.js';

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

interface Seen {
  handler: string;
  data: unknown;
  messageId: string;
  attempt: number;
  routingKey: string;
  queue: string;
  headers: Record<string, string>;
  publishedAt: Date;
}

const seen: Seen[] = [];
const record = (handler: string, data: unknown, ctx: PgContext) =>
  seen.push({
    handler,
    data,
    messageId: ctx.getMessageId(),
    attempt: ctx.getAttempt(),
    routingKey: ctx.getRoutingKey(),
    queue: ctx.getQueue(),
    headers: ctx.getHeaders(),
    publishedAt: ctx.getPublishedAt(),
  });

@Controller()
class OrderHandlers {
  @Consume('order.created', { queue: 'orders.on-created' })
  onCreated(@Payload() data: unknown, @Ctx() ctx: PgContext) {
    record('onCreated', data, ctx);
  }

  @EventPattern<string>('order.*')
  onAnyOrderEvent(@Payload() data: unknown, @Ctx() ctx: PgContext) {
    record('onAnyOrderEvent', data, ctx);
  }

  @Consume('order.created', { maxAttempts: 2, retryBaseMs: 0, retryMaxMs: 0 })
  chargeCard(@Payload() data: { fail?: boolean }, @Ctx() ctx: PgContext) {
    record('chargeCard', data, ctx);
    if (data.fail) throw new PaymentDeclinedError(`card declined (attempt ${ctx.getAttempt()})`);
  }

  @Consume('order.streamed')
  streamed(@Payload() data: unknown, @Ctx() ctx: PgContext) {
    // A cold stream: it records only if the server subscribes to it, and finishes later than the call returns.
    return timer(20).pipe(map(() => record('streamed', data, ctx)));
  }

  @MessagePattern('quote.get')
  quote(@Payload() data: { items: number }) {
    return { total: data.items * 5 };
  }

  @MessagePattern('quote.many')
  quotes() {
    return of(1, 2, 3);
  }

  @MessagePattern('quote.refuse')
  refuse() {
    throw new RpcException({ code: 'OUT_OF_STOCK', message: 'no stock for sku-1' });
  }

  @MessagePattern('quote.hang')
  hang() {
    return new Promise(() => undefined);
  }
}

@Injectable()
class OrderProducer {
  constructor(@Inject('ORDERS') readonly client: ClientProxy) {}
}

describe('the Nest transport', () => {
  let t: TestBroker;
  let app: INestMicroservice;
  let client: PgClient;

  beforeAll(async () => {
    t = await createTestBroker('nest_transport');
    @Module({ controllers: [OrderHandlers] })
    class WorkerModule {}
    app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, {
      strategy: new PgServer({ serviceName: 'orders', broker: t.broker, consumerDefaults: { pollIntervalMs: 100, shutdownGraceMs: 200 } }),
      logger: false,
    });
    app.useGlobalFilters(new MessagingExceptionFilter());
    await app.listen();
    client = new PgClient({ broker: t.broker, requestTimeoutMs: 5_000 });
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
    await app.close();
    await t.cleanup();
  });

  const handledBy = (messageId: string) => seen.filter((s) => s.messageId === messageId);

  it('gives each @EventPattern handler, wildcard ones too, its own queue and copy of what a ClientProxy emits', async () => {
    const before = new Date(Date.now() - 1000);
    await lastValueFrom(client.emit('order.created', { orderId: 1 }), { defaultValue: undefined });
    const copies = await waitFor(() => {
      const byPayload = seen.filter((s) => (s.data as { orderId?: number }).orderId === 1);
      return byPayload.length === 3 ? byPayload : null;
    }, { what: 'three handlers' });
    expect(copies.map((c) => c.handler).sort()).toEqual(['chargeCard', 'onAnyOrderEvent', 'onCreated']);
    expect(new Set(copies.map((c) => c.messageId)).size).toBe(1);
    expect(copies.map((c) => c.queue).sort()).toEqual(['orders.on-created', 'orders.order-handlers.charge-card', 'orders.order.star']);
    for (const c of copies) {
      expect(c).toMatchObject({ attempt: 1, routingKey: 'order.created' });
      expect(c.publishedAt.getTime()).toBeGreaterThan(before.getTime());
    }
    const queues = await t.broker.listQueues();
    expect(queues.find((q) => q.name === 'orders.order.star')?.bindings).toEqual(['order.*']);
  });

  it('retries a failing handler, dead-letters it with its real error, and never re-runs its siblings', async () => {
    await lastValueFrom(client.emit('order.created', { orderId: 2, fail: true }), { defaultValue: undefined });
    const [dead] = await waitFor(() => t.broker.browse<Delivery>('orders.order-handlers.charge-card.dlq'), { what: 'the dead letter' });
    const messageId = dead.messageId;
    expect(handledBy(messageId).filter((s) => s.handler === 'chargeCard').map((s) => s.attempt)).toEqual([1, 2]);
    expect(handledBy(messageId).filter((s) => s.handler === 'onCreated')).toHaveLength(1);
    expect(handledBy(messageId).filter((s) => s.handler === 'onAnyOrderEvent')).toHaveLength(1);
    expect(dead.deaths[0]).toMatchObject({ queue: 'orders.order-handlers.charge-card', reason: 'delivery_limit' });
    expect(dead.deaths[0].lastError).toContain('PaymentDeclinedError: card declined (attempt 2)');
  });

  it('subscribes to a handler that returns an Observable and acks once it completes', async () => {
    await lastValueFrom(client.emit('order.streamed', { orderId: 3 }), { defaultValue: undefined });
    await waitFor(() => seen.some((s) => s.handler === 'streamed'), { what: 'the streamed handler' });
    await waitFor(async () => (await t.broker.queueStats('orders.order-handlers.streamed')).leased === 0, { what: 'the ack' });
    expect(await t.broker.queueStats('orders.order-handlers.streamed')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('fails an emit that no queue is bound to', async () => {
    await expect(lastValueFrom(client.emit('nobody.listens', {}))).rejects.toThrow('No queue is bound');
  });

  it('send returns the handler value; a stream arrives whole', async () => {
    expect(await firstValueFrom(client.send('quote.get', { items: 3 }))).toEqual({ total: 15 });
    expect(await lastValueFrom(client.send('quote.many', {}).pipe(toArray()))).toEqual([1, 2, 3]);
  });

  it("a client's reply queue expires unless the client renews it, and goes away when the client closes", async () => {
    const own = new PgClient({ broker: t.broker });
    expect(await firstValueFrom(own.send('quote.get', { items: 1 }))).toEqual({ total: 5 });
    const replies = await t.query(`SELECT name, expires_at > now() + interval '4 minutes' AS renewed FROM "${t.schema}".queues WHERE name LIKE 'reply.%'`);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    expect(replies.every((q) => q.renewed)).toBe(true);
    const before = new Set(replies.map((q) => q.name));
    await own.close();
    const after = new Set((await t.query(`SELECT name FROM "${t.schema}".queues WHERE name LIKE 'reply.%'`)).map((q) => q.name));
    expect(after.size).toBe(before.size - 1);
  });

  it('a handler error comes back as an RpcException', async () => {
    const error = await firstValueFrom(client.send('quote.refuse', {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toEqual({ code: 'OUT_OF_STOCK', message: 'no stock for sku-1' });
  });

  it('send times out when no handler answers, and fails at once when no server handles the pattern', async () => {
    const impatient = new PgClient({ broker: t.broker, requestTimeoutMs: 300 });
    try {
      await expect(firstValueFrom(impatient.send('quote.hang', {}))).rejects.toBeInstanceOf(RequestTimeoutError);
      await expect(firstValueFrom(impatient.send('quote.unknown', {}))).rejects.toBeInstanceOf(NoRequestHandlerError);
    } finally {
      await impatient.close();
    }
  });

  it('registers with ClientsModule like any Nest client', async () => {
    @Module({
      imports: [ClientsModule.register([{ name: 'ORDERS', customClass: PgClient, options: { broker: t.broker } }])],
      providers: [OrderProducer],
    })
    class ProducerModule {}
    const producerApp = await NestFactory.createApplicationContext(ProducerModule, { logger: false });
    const { client: injected } = producerApp.get(OrderProducer);
    expect(injected).toBeInstanceOf(PgClient);
    await lastValueFrom(injected.emit('order.paid', { orderId: 4 }), { defaultValue: undefined });
    await waitFor(() => seen.some((s) => (s.data as { orderId?: number }).orderId === 4 && s.handler === 'onAnyOrderEvent'), { what: 'order.paid' });
    await producerApp.close();
  });
});

describe('the Nest transport on SIGTERM', () => {
  it('lets the running handler finish, acks it, and exits cleanly', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const { TsProcess } = await import('../testing/index.js');
    const t = await createTestBroker('nest_sigterm');
    const dir = mkdtempSync(join(tmpdir(), 'pgm-sigterm-'));
    const releaseFile = join(dir, 'release');
    try {
      const worker = new TsProcess(fileURLToPath(new URL('./fixtures/nest-worker-process.ts', import.meta.url)), {
        DATABASE_URL: t.url,
        SCHEMA: t.schema,
        RELEASE_FILE: releaseFile,
      });
      await worker.waitForEvents('ready');
      await t.broker.publish({ routingKey: 'job.run', payload: { n: 1 } });
      await worker.waitForEvents('started');
      worker.kill('SIGTERM');
      // The handler is still running: its message is still leased, and the process has not exited.
      expect(await t.broker.queueStats('jobs.slow')).toMatchObject({ leased: 1 });
      writeFileSync(releaseFile, '');
      // Nest closes the app, then re-raises the signal (enableShutdownHooks), so the process ends by SIGTERM.
      expect(await worker.exited).toMatchObject({ signal: 'SIGTERM' });
      expect(worker.named('finished')).toHaveLength(1);
      expect(await t.broker.queueStats('jobs.slow')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await t.cleanup();
    }
  });
});
