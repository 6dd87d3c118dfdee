import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException, type MicroserviceOptions } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { MessagingExceptionFilter, MessagingClient, PgContext, MessagingServer, RequestTimeoutError } from '../../../src/index.js';
import { waitFor } from '../../wait-for.js';
import type { ConformanceContext } from '../conformance-context.js';

interface Seen {
  data: unknown;
  messageId: string;
  attempt: number;
  routingKey: string;
}

/** A worker module whose handlers record what they get; patterns are prefixed so they are this file's own. */
function workerModule(prefix: string, seen: Seen[]) {
  @Controller()
  class ConformanceHandlers {
    @EventPattern<string>(`${prefix}.order.created`)
    onCreated(@Payload() data: unknown, @Ctx() context: PgContext) {
      seen.push({ data, messageId: context.getMessageId(), attempt: context.getAttempt(), routingKey: context.getRoutingKey() });
    }

    @MessagePattern(`${prefix}.quote`)
    quote(@Payload() data: { items: number }) {
      return { total: data.items * 5 };
    }

    @MessagePattern(`${prefix}.refuse`)
    refuse() {
      throw new RpcException({ code: 'OUT_OF_STOCK', message: 'no stock for sku-1' });
    }

    @MessagePattern(`${prefix}.hang`)
    hang() {
      return new Promise(() => undefined);
    }
  }
  @Module({ controllers: [ConformanceHandlers] })
  class WorkerModule {}
  return WorkerModule;
}

export function describeNestTransport(ctx: ConformanceContext): void {
  describe('the Nest transport end to end', () => {
    const seen: Seen[] = [];
    let prefix: string;
    let app: INestMicroservice;
    let client: MessagingClient;

    beforeAll(async () => {
      prefix = ctx.name('nest').replaceAll('.', '-');
      // The transport takes any MessageBroker once it is on the driver interface (issue 10 item 1).
      app = await NestFactory.createMicroservice<MicroserviceOptions>(workerModule(prefix, seen), {
        strategy: new MessagingServer({ serviceName: prefix, broker: ctx.broker, consumerDefaults: { pollIntervalMs: 100, shutdownGraceMs: 200 } }),
        logger: false,
      });
      app.useGlobalFilters(new MessagingExceptionFilter());
      await app.listen();
      client = new MessagingClient({ broker: ctx.broker, requestTimeoutMs: 5_000 });
      await client.connect();
    });
    afterAll(async () => {
      await client?.close();
      await app?.close();
    });

    it('a ClientProxy emit reaches the @EventPattern handler once', async () => {
      await lastValueFrom(client.emit(`${prefix}.order.created`, { orderId: 1 }), { defaultValue: undefined });
      await waitFor(() => seen.length === 1, { what: 'the event handler' });
      expect(seen[0]).toMatchObject({ data: { orderId: 1 }, attempt: 1, routingKey: `${prefix}.order.created` });
    });

    it('a ClientProxy send gets the @MessagePattern handler value, and its error as an RpcException', async () => {
      expect(await firstValueFrom(client.send(`${prefix}.quote`, { items: 3 }))).toEqual({ total: 15 });
      const error = await firstValueFrom(client.send(`${prefix}.refuse`, {})).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcException);
      expect((error as RpcException).getError()).toEqual({ code: 'OUT_OF_STOCK', message: 'no stock for sku-1' });
    });

    it('a send no handler answers times out with RequestTimeoutError', async () => {
      const impatient = new MessagingClient({ broker: ctx.broker, requestTimeoutMs: 300 });
      try {
        await expect(firstValueFrom(impatient.send(`${prefix}.hang`, {}))).rejects.toBeInstanceOf(RequestTimeoutError);
      } finally {
        await impatient.close();
      }
    });
  });
}
