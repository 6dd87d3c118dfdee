import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { errorText, isError } from '../core/error-text.js';
import { redactPii } from '../privacy/pii-redaction.js';
import type { Delivery, OutgoingMessage } from '../message.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_CONVERSATION_ID,
  ATTR_MESSAGING_DELIVERY_ATTEMPT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_ROUTING_KEY,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_SYSTEM,
} from './semconv.js';

/*
 * Messaging spans, with @opentelemetry/api only: without an SDK they cost nothing. Producers inject the W3C trace
 * context (`traceparent`, `tracestate`, `baggage`) into the message headers; a consumer continues it. Payloads are
 * never recorded.
 */
const tracer = () => trace.getTracer('pg-messaging');

/** The failure as an exception event and the span's status, without personal data (an SMTP refusal quotes the address). */
function recordFailure(span: Span, error: unknown): void {
  const message = redactPii(isError(error) ? error.message : String(error));
  span.recordException(isError(error) ? { name: error.name, message, stack: errorText(error) ?? undefined } : message);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute(ATTR_ERROR_TYPE, isError(error) ? error.name : '_OTHER');
}

/** Records a failure settled by hand (the Nest transport nacks a failed handler itself) on the active span, if any. */
export function recordActiveSpanFailure(error: unknown): void {
  const span = trace.getActiveSpan();
  if (span) recordFailure(span, error);
}

/** The destination shown for a batch: its routing key when all messages share one. */
function destinationOf(messages: readonly { routingKey: string }[]): string | undefined {
  const keys = new Set(messages.map((m) => m.routingKey));
  return keys.size === 1 ? [...keys][0] : undefined;
}

/**
 * Runs a publish inside a `send {destination}` PRODUCER span and gives each message the span's context in its
 * headers, unless the message already carries a `traceparent` (a relay forwarding the producer's own context).
 */
export async function withSendSpan<T>(
  messages: readonly OutgoingMessage[],
  queue: string | undefined,
  publish: (messages: OutgoingMessage[]) => Promise<T>,
  system: string = MESSAGING_SYSTEM,
): Promise<T> {
  // Malformed input goes straight to the publisher, whose validation rejects it as it is.
  if (!messages.every((m) => m !== null && typeof m === 'object')) return publish([...messages]);
  const destination = queue ?? destinationOf(messages);
  const span = tracer().startSpan(destination ? `send ${destination}` : 'send', {
    kind: SpanKind.PRODUCER,
    attributes: {
      [ATTR_MESSAGING_SYSTEM]: system,
      [ATTR_MESSAGING_OPERATION_NAME]: 'send',
      [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      ...(destination ? { [ATTR_MESSAGING_DESTINATION_NAME]: destination } : {}),
      ...(messages.length === 1 && messages[0].messageId ? { [ATTR_MESSAGING_MESSAGE_ID]: messages[0].messageId } : {}),
      ...(messages.length > 1 ? { [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: messages.length } : {}),
    },
  });
  const spanContext = trace.setSpan(context.active(), span);
  const carrier: Record<string, string> = {};
  propagation.inject(spanContext, carrier);
  const stampable = (m: OutgoingMessage) =>
    m.headers === undefined || (typeof m.headers === 'object' && m.headers !== null && !Array.isArray(m.headers));
  const stamped = messages.map((m) =>
    Object.keys(carrier).length === 0 || !stampable(m) || m.headers?.traceparent ? m : { ...m, headers: { ...m.headers, ...carrier } },
  );
  try {
    return await context.with(spanContext, () => publish(stamped));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The trace context a message was published with (the creation context), from its headers. */
export function creationContext(headers: Record<string, string>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/**
 * Runs a handler inside a `process {queue}` CONSUMER span whose parent is the message's creation context (the
 * single-message option of the conventions, so Jaeger shows one connected trace), also linked to it.
 */
export async function withProcessSpan<T>(delivery: Delivery, consumerGroup: string, handle: () => Promise<T>, system: string = MESSAGING_SYSTEM): Promise<T> {
  const parent = creationContext(delivery.headers);
  const parentSpan = trace.getSpanContext(parent);
  const span = tracer().startSpan(
    `process ${delivery.queue}`,
    {
      kind: SpanKind.CONSUMER,
      links: parentSpan ? [{ context: parentSpan }] : [],
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: system,
        [ATTR_MESSAGING_OPERATION_NAME]: 'process',
        [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
        [ATTR_MESSAGING_DESTINATION_NAME]: delivery.queue,
        [ATTR_MESSAGING_MESSAGE_ID]: delivery.messageId,
        [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: consumerGroup,
        [ATTR_MESSAGING_DELIVERY_ATTEMPT]: delivery.attempt,
        [ATTR_MESSAGING_ROUTING_KEY]: delivery.routingKey,
        ...(delivery.headers['correlation-id'] ? { [ATTR_MESSAGING_CONVERSATION_ID]: delivery.headers['correlation-id'] } : {}),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), handle);
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Runs broker housekeeping (polls, batched settles, LISTEN) without tracing, so idle polls make no root spans. */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(ROOT_CONTEXT), work);
}

/**
 * A `send {routing key}` PRODUCER span for one message an outbox relay hands to the broker: the child of the span
 * that wrote the message into the outbox (its headers), so the trace shows the relay hop; the message leaves with
 * this span's context, so its consumers become the relay span's children.
 */
export function startRelaySpan(message: { messageId: string; routingKey: string; headers: Record<string, string> }): {
  headers: Record<string, string>;
  end(error?: unknown): void;
} {
  const parent = creationContext(message.headers);
  if (!trace.getSpanContext(parent)) return { headers: message.headers, end: () => undefined };
  const span = tracer().startSpan(
    `send ${message.routingKey}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_MESSAGING_OPERATION_NAME]: 'relay',
        [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
        [ATTR_MESSAGING_DESTINATION_NAME]: message.routingKey,
        [ATTR_MESSAGING_MESSAGE_ID]: message.messageId,
      },
    },
    parent,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  return {
    headers: { ...message.headers, ...carrier },
    end: (error?: unknown) => {
      if (error !== undefined) recordFailure(span, error);
      span.end();
    },
  };
}
