import 'reflect-metadata';
import { Controller, Logger, Module, type INestMicroservice, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  Consume,
  InvalidArgumentError,
  InvalidNameError,
  MessagingExceptionFilter,
  PgClient,
  PgContext,
  PgServer,
  UnroutableMessageError,
  type Delivery,
} from '../src/index.js';
import { createTestBroker, signal, waitFor, type TestBroker } from '../testing/index.js';

interface Seen {
  handler: string;
  messageId: string;
  queue: string;
  pattern: string;
  routingKey: string;
}
const seen: Seen[] = [];
const record = (handler: string, ctx: PgContext) =>
  seen.push({ handler, messageId: ctx.getMessageId(), queue: ctx.getQueue(), pattern: ctx.getPattern(), routingKey: ctx.getRoutingKey() });

@Controller()
class PlainStock {
  @EventPattern<string>('stock.changed')
  onStock(@Ctx() ctx: PgContext) {
    record('plain', ctx);
  }
}

@Controller()
class NamedStock {
  @Consume('stock.changed')
  onStock(@Ctx() ctx: PgContext) {
    record('named', ctx);
  }
}

@Controller()
class ShopHandlers {
  @EventPattern<string>('inventory.*')
  onInventory(@Ctx() ctx: PgContext) {
    record('inventory', ctx);
  }

  @MessagePattern({ cmd: 'sum' })
  sum(@Payload() numbers: number[]) {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @EventPattern({ entity: 'order', op: 'created' })
  onOrderCreated(@Ctx() ctx: PgContext) {
    record('object-event', ctx);
  }

  @Consume('fail.now', { maxAttempts: 1 })
  fail() {
    throw new Error('boom');
  }
}

const slowStarted = signal();
const slowAborted = signal<boolean>();

@Controller()
class SlowHandlers {
  @Consume('slow.job', { shutdownGraceMs: 100 })
  async run(@Ctx() ctx: PgContext) {
    slowStarted.resolve();
    const aborted = ctx.getAbortSignal();
    await new Promise((resolve) => aborted.addEventListener('abort', resolve, { once: true }));
    slowAborted.resolve(aborted.aborted);
  }
}

async function boot(t: TestBroker, controllers: Type[], server = new PgServer({ serviceName: 'shop', broker: t.broker, consumerDefaults: { pollIntervalMs: 100 } })) {
  @Module({ controllers })
  class WorkerModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, { strategy: server, logger: false });
  app.useGlobalFilters(new MessagingExceptionFilter());
  await app.listen();
  return app;
}

describe('Nest transport conventions', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await createTestBroker('nest_conventions');
  });
  afterAll(() => t.cleanup());

  it('handlers of one pattern keep their own queues when their controllers are reordered', async () => {
    await (await boot(t, [PlainStock, NamedStock])).close();
    // Published while no worker runs: each handler's copy waits in its queue across the deploy.
    const { messageIds: [pending] } = await t.broker.publish({ routingKey: 'stock.changed', payload: {} });
    const app = await boot(t, [NamedStock, PlainStock]);
    try {
      const copies = await waitFor(() => {
        const got = seen.filter((s) => s.messageId === pending);
        return got.length === 2 ? got : null;
      }, { what: 'both copies after the reorder' });
      expect(Object.fromEntries(copies.map((c) => [c.handler, c.queue]))).toEqual({ plain: 'shop.stock.changed', named: 'shop.named-stock.on-stock' });
    } finally {
      await app.close();
    }
  });

  it('refuses two @EventPattern handlers of one pattern that only their position could tell apart', async () => {
    @Controller()
    class Twice {
      @EventPattern<string>('dup.x')
      a() {}
      @EventPattern<string>('dup.x')
      b() {}
    }
    await expect(boot(t, [Twice])).rejects.toThrow(/Several @EventPattern handlers of "dup\.x" have no queue name: use @Consume/);
  });

  describe('with a running server', () => {
    let app: INestMicroservice;
    let server: PgServer;
    let client: PgClient;
    const statuses: string[] = [];
    beforeAll(async () => {
      server = new PgServer({ serviceName: 'shop', broker: t.broker, consumerDefaults: { pollIntervalMs: 100 } });
      server.status.subscribe((s) => statuses.push(s));
      app = await boot(t, [ShopHandlers], server);
      client = new PgClient({ broker: t.broker, requestTimeoutMs: 5_000 });
    });
    afterAll(async () => {
      await client.close();
      await app.close();
    });

    it('gives the handler its pattern (getPattern) beside the routing key', async () => {
      const { messageIds: [id] } = await t.broker.publish({ routingKey: 'inventory.low', payload: {} });
      const [got] = await waitFor(() => seen.filter((s) => s.messageId === id), { what: 'the event' });
      expect(got).toMatchObject({ pattern: 'inventory.*', routingKey: 'inventory.low', queue: 'shop.inventory.star' });
    });

    it('routes object patterns by their sorted keys and values, requests and events', async () => {
      expect(await firstValueFrom(client.send({ cmd: 'sum' }, [1, 2, 3]))).toBe(6);
      expect((await t.broker.listQueues()).map((q) => q.name)).toContain('rpc.cmd.sum');
      await lastValueFrom(client.emit({ op: 'created', entity: 'order' }, { id: 1 }), { defaultValue: undefined });
      const [got] = await waitFor(() => seen.filter((s) => s.handler === 'object-event'), { what: 'the object-pattern event' });
      expect(got).toMatchObject({ pattern: 'entity.order.op.created', queue: 'shop.entity.order.op.created' });
    });

    it('keeps the error message and stack frames in the death history, without machine paths', async () => {
      await t.broker.publish({ routingKey: 'fail.now', payload: {} });
      const [dead] = await waitFor(() => t.broker.browse<Delivery>('shop.shop-handlers.fail.dlq'), { what: 'the dead letter' });
      const text = dead.deaths[0].lastError!;
      expect(text.split('\n')[0]).toBe('Error: boom');
      // Project files relative to the working folder, packages from their name, no folders above.
      expect(text).toMatch(/at ShopHandlers\.fail \(libs\/messaging\/test\/nest-transport-conventions\.spec\.ts:\d+:\d+\)/);
      expect(text).toMatch(/at @nestjs\/microservices\/[\w/.-]+\.js:\d+:\d+/);
      expect(text).not.toContain(process.cwd());
      expect(text).not.toMatch(/[( ]\/|file:\/\//);
    });

    it('unwrap() gives the Broker; status went connecting, connected', () => {
      expect(server.unwrap()).toBe(t.broker);
      expect(statuses).toEqual(['connecting', 'connected']);
    });

    it('refuses an event name it does not have', () => {
      expect(() => server.on('stalled' as 'error', () => undefined)).toThrow(InvalidArgumentError);
    });
  });

  it('refuses a nested object pattern with a message that says what works', async () => {
    @Controller()
    class Nested {
      @EventPattern({ cmd: { deep: 1 } })
      a() {}
    }
    const failure = await boot(t, [Nested]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InvalidNameError);
    expect((failure as Error).message).toMatch(/use a flat object whose keys and values are single words .* \{ cmd: 'sum' \} routes as 'cmd\.sum'/);
  });

  it("aborts a handler's signal when it runs past shutdownGraceMs at close, and releases its message", async () => {
    const app = await boot(t, [SlowHandlers]);
    const { messageIds: [id] } = await t.broker.publish({ routingKey: 'slow.job', payload: {} });
    await slowStarted.promise;
    await app.close();
    expect(await slowAborted.promise).toBe(true);
    const [row] = await t.query(`SELECT lease_token, attempts, visible_at <= now() AS visible FROM "${t.schema}".messages WHERE message_id = $1`, [id]);
    expect(row).toMatchObject({ lease_token: null, attempts: 1, visible: true });
  });

  it('client: status, unwrap, and a fire-and-forget emit of an unroutable key is logged with its pattern and reported', async () => {
    const client = new PgClient({ broker: t.broker });
    const statuses: string[] = [];
    client.status.subscribe((s) => statuses.push(s));
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    const warnings: string[] = [];
    const capture: LoggerService = { log: () => undefined, error: () => undefined, warn: (message: string) => warnings.push(message) };
    Logger.overrideLogger(capture);
    await client.connect();
    expect(client.unwrap()).toBe(t.broker);
    client.emit('nobody.listens', { n: 1 }); // not subscribed to: nothing would ever see its failure
    await waitFor(() => warnings.some((w) => w.includes('emit("nobody.listens") was not published: no queue is bound to it')), { what: 'the warning' });
    expect(errors[0]).toBeInstanceOf(UnroutableMessageError);
    await client.close();
    expect(statuses).toEqual(['connecting', 'connected', 'disconnected']);
  });

  it("the client's reply inbox: a one-attempt queue without a dead-letter queue that expires unless renewed, gone on close", async () => {
    const replies: unknown[] = [];
    const inbox = await t.broker.openReplyInbox((reply) => void replies.push(reply.payload));
    expect(inbox.address).toMatch(/^reply\.[0-9a-f-]{36}$/);
    const queue = await t.broker.getQueue(inbox.address);
    expect(queue.options).toMatchObject({ maxAttempts: 1, deadLetterQueue: null });
    const [{ expires_at: expiresAt }] = await t.query<{ expires_at: Date }>(`SELECT expires_at FROM "${t.schema}".queues WHERE name = $1`, [inbox.address]);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
    await t.broker.publishToQueue(inbox.address, { routingKey: 'sum', payload: { response: 3 } });
    await waitFor(() => replies.length === 1, { what: 'the reply' });
    expect(replies).toEqual([{ response: 3 }]);
    await inbox.close();
    await expect(t.broker.getQueue(inbox.address)).rejects.toThrow('does not exist');
  });
});
