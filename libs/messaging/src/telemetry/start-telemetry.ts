// The OpenTelemetry bootstrap of the apps: a separate entry point ('@app/messaging/telemetry') so that an app can
// start the SDK before anything it instruments (http, pg, Nest) is loaded. Import nothing heavy here.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface RunningTelemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for `serviceName` (OTEL_SERVICE_NAME wins) when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set: traces over OTLP/HTTP (protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL
 * says http/json), batched as OTEL_BSP_* say, with HTTP (incoming, and outgoing fetch) and pg spans, those two only
 * inside a trace, so idle polling makes none. Messaging spans come from the library itself. Without an endpoint it starts nothing and returns null.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): RunningTelemetry | null {
  if (env.OTEL_SDK_DISABLED === 'true') return null;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  // Traces only, unless asked for more: Jaeger takes no metrics or logs.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => request.url?.startsWith('/health') === true }),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      // fetch(): outgoing calls such as the payment provider's (requireParentSpan: alert webhooks stay out).
      new UndiciInstrumentation({ requireParentforSpans: true }),
    ],
  });
  sdk.start();
  let stopped: Promise<void> | null = null;
  const shutdown = () => (stopped ??= sdk.shutdown().catch(() => undefined));
  // Flush on the way out; Nest's own shutdown hooks close the app on the same signal.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown());
  return { shutdown };
}
