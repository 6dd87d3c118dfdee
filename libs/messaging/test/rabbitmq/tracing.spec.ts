import amqp from 'amqplib';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { waitFor } from '../../testing/index.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

describeRabbitMq('trace context in AMQP headers', (rabbit) => {
  let broker: RabbitMqBroker;
  beforeAll(async () => {
    broker = await rabbit.broker();
  });
  afterAll(() => provider.shutdown());

  it('a publish carries the send span as a W3C traceparent AMQP header, and the process span joins that trace', async () => {
    const queue = uniqueQueue('traced');
    await broker.declareQueue(queue);
    await broker.bindQueue(queue, `${queue}.#`);
    // What any AMQP client sees: the header is on the message itself, not in a side channel of the driver.
    const raw = uniqueQueue('raw');
    const connection = await amqp.connect(rabbit.vhost.url);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(raw, { durable: false, autoDelete: true });
      await channel.bindQueue(raw, 'messaging', `${queue}.#`);
      await broker.publish({ routingKey: `${queue}.created`, payload: { id: 1 } });
      let message: amqp.GetMessage | false = false;
      await waitFor(async () => (message = await channel.get(raw, { noAck: true })) !== false, { what: 'the raw copy' });
      const traceparent = String((message as unknown as amqp.GetMessage).properties.headers?.traceparent);
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);

      const send = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.PRODUCER);
      expect(send).toBeDefined();
      expect(send!.attributes['messaging.system']).toBe('rabbitmq');
      expect(traceparent.split('-')[1]).toBe(send!.spanContext().traceId);

      const handledIn: string[] = [];
      const consumer = await broker.consume(queue, () => void handledIn.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none'));
      await waitFor(() => handledIn.length === 1, { what: 'the handled message' });
      await consumer.stop();
      expect(handledIn).toEqual([send!.spanContext().traceId]);
      const processSpan = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
      expect(processSpan!.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.destination.name': queue });
    } finally {
      await connection.close();
    }
  });
});
