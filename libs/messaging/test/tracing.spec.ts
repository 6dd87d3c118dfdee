import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { Consume, MessagingExceptionFilter, PgClient, PgContext, PgServer } from '../src/index.js';
import { createTestBroker, waitFor, type TestBroker } from '../testing/index.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const traceIdsInHandler: string[] = [];

@Controller()
class Handlers {
  @Consume('order.created', { queue: 'payments.order-created' })
  charge(@Payload() _data: unknown, @Ctx() ctx: PgContext) {
    // The handler runs inside the consumer span: its own spans and messages join the trace.
    traceIdsInHandler.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
    expect(ctx.getHeaders().traceparent).toBeDefined();
  }

  @MessagePattern('price.get')
  price() {
    return 42;
  }
}

describe('trace context across the broker', () => {
  let t: TestBroker;
  let app: INestMicroservice;
  let client: PgClient;

  beforeAll(async () => {
    t = await createTestBroker('tracing');
    @Module({ controllers: [Handlers] })
    class WorkerModule {}
    app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, {
      strategy: new PgServer({ serviceName: 'payments', broker: t.broker, consumerDefaults: { pollIntervalMs: 50 } }),
      logger: false,
    });
    app.useGlobalFilters(new MessagingExceptionFilter());
    await app.listen();
    client = new PgClient({ broker: t.broker });
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
    await app.close();
    await t.cleanup();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  const spans = () => exporter.getFinishedSpans();
  const byName = (name: string) => waitFor(() => spans().find((s) => s.name === name), { what: `span ${name}` });

  it('the consumer span is a child of the producer span, in the caller trace, with the messaging attributes', async () => {
    const request = trace.getTracer('test').startSpan('POST /orders', { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), request), () =>
      lastValueFrom(client.emit('order.created', { orderId: 1 }), { defaultValue: undefined }),
    );
    request.end();
    const send: ReadableSpan = await byName('send order.created');
    const process: ReadableSpan = await byName('process payments.order-created');

    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'pg_messaging',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': 'order.created',
    });

    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(process.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId]);
    expect(process.attributes).toMatchObject({
      'messaging.system': 'pg_messaging',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'payments.order-created',
      'messaging.consumer.group.name': 'payments',
    });
    expect(process.attributes['messaging.message.id']).toEqual(expect.any(String));
    expect(JSON.stringify([send.attributes, process.attributes])).not.toContain('orderId');
    expect(traceIdsInHandler).toEqual([request.spanContext().traceId]);
  });

  it('request-reply: request and reply carry the trace, and polling and acks make no spans of their own', async () => {
    const outer = trace.getTracer('test').startSpan('checkout');
    const price = await context.with(trace.setSpan(context.active(), outer), () => firstValueFrom(client.send('price.get', {})));
    outer.end();
    expect(price).toBe(42);
    const process = await byName('process rpc.price.get');
    const send = await byName('send rpc.price.get');
    expect(send.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(process.attributes['messaging.message.conversation_id']).toEqual(expect.any(String));
    // The reply is sent from inside the request's consumer span.
    const reply = await waitFor(() => spans().find((s) => s.name.startsWith('send reply.')), { what: 'the reply span' });
    expect(reply.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    const names = new Set(spans().map((s) => s.name.replace(/reply\.[0-9a-f-]+/, 'reply.<id>')));
    expect(names).toEqual(new Set(['checkout', 'send rpc.price.get', 'process rpc.price.get', 'send reply.<id>', 'process reply.<id>']));
  });
});
