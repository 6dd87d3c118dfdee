import { createServer, type Server } from 'node:http';

/** One span as OTLP/JSON carries it (kinds: 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
export interface OtlpSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** Its events (an exception: `exception.type`, `exception.message`, `exception.stacktrace`), with their attributes. */
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
  /** The status message (set on an error), or ''. */
  statusMessage: string;
}

export interface RunningOtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporters post to /v1/traces). */
  url: string;
  spans: OtlpSpan[];
  /** Every export as received (OTLP/JSON text): what a test searching the telemetry for a string reads. */
  bodies: string[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };

function value(v: AnyValue): string | number | boolean {
  return v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.boolValue ?? v.doubleValue ?? '';
}

/**
 * A real OTLP/HTTP receiver for JSON exports (OTEL_EXPORTER_OTLP_PROTOCOL=http/json): the stand-in for Jaeger's
 * collector where no Jaeger can run. Flattens what it receives into spans with their service name.
 */
export async function startOtlpReceiver(): Promise<RunningOtlpReceiver> {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  type Attribute = { key: string; value: AnyValue };
  const attributes = (list: Attribute[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        bodies.push(body);
        const payload = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: AnyValue }[] };
            scopeSpans: {
              spans: {
                traceId: string;
                spanId: string;
                parentSpanId?: string;
                name: string;
                kind: number;
                attributes?: Attribute[];
                events?: { name: string; attributes?: Attribute[] }[];
                status?: { message?: string };
              }[];
            }[];
          }[];
        };
        for (const resource of payload.resourceSpans ?? []) {
          const service = String(value(resource.resource.attributes.find((a) => a.key === 'service.name')?.value ?? {}));
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                service,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? '',
                name: span.name,
                kind: span.kind,
                attributes: attributes(span.attributes),
                events: (span.events ?? []).map((event) => ({ name: event.name, attributes: attributes(event.attributes) })),
                statusMessage: span.status?.message ?? '',
              });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
