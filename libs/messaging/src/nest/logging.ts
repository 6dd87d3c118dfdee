import type { DynamicModule, ExecutionContext, INestApplication } from '@nestjs/common';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { pino, type LevelWithSilent } from 'pino';
import { InvalidArgumentError } from '../errors.js';
import { OPS_PATHS } from '../ops/ops-listener.js';
import { redactPii } from '../privacy/pii-redaction.js';
import { MessagingContext } from '../transport/messaging.context.js';

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Probes and scrapes: answered every few seconds, worth no log line. */
const UNLOGGED_PATHS = OPS_PATHS;

/** The active span's ids (OpenTelemetry's log field names), so a log line can be found from its trace and back. */
export function traceContextFields(): { trace_id?: string; span_id?: string; trace_flags?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ids = span.spanContext();
  if (!isSpanContextValid(ids)) return {};
  return { trace_id: ids.traceId, span_id: ids.spanId, trace_flags: ids.traceFlags.toString(16).padStart(2, '0') };
}

function pgContext(context: ExecutionContext): MessagingContext | null {
  const rpc: unknown = context.switchToRpc().getContext();
  return rpc instanceof MessagingContext ? rpc : null;
}

/** LOG_LEVEL, checked: a typo must not silence an app. */
export function logLevelFromEnvironment(env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const level = env.LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level as LevelWithSilent)) {
    throw new InvalidArgumentError(`LOG_LEVEL must be one of ${LEVELS.join(', ')} (got ${JSON.stringify(level)})`, { variable: 'LOG_LEVEL' });
  }
  return level as LevelWithSilent;
}

/**
 * The apps' logging: nestjs-pino, one JSON line per entry on stdout (`level` as a word, ISO `time`, `msg`, `name`:
 * the service, `context`: Nest's logger context), with `trace_id` / `span_id` whenever a span is active (an HTTP
 * request, a message handler). HTTP requests are logged when they finish (5xx error, 4xx warn, else info; never
 * /health or /metrics); each message handled is logged as `event completed` / `message completed` with the message
 * id as `reqId`, and every line logged inside a handler carries that id, its queue and attempt (a failure's full
 * error is at debug level: the transport logs one warn line per failed attempt). Email addresses and phone numbers
 * are redacted from every line (`redactPii`). Level: LOG_LEVEL (default info).
 * Pair it with `useStructuredLogger(app)`. One pino logger per process: the first app's options win.
 */
export function structuredLoggerModule(serviceName: string, env: NodeJS.ProcessEnv = process.env): DynamicModule {
  let counter = 0;
  return LoggerModule.forRoot({
    pinoHttp: {
      name: serviceName,
      level: logLevelFromEnvironment(env),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceContextFields,
      // The finished line, whoever wrote it (an error's message, a library's text, a field): no email address or
      // phone number reaches the log.
      hooks: { streamWrite: redactPii },
      // What identifies a request (its id is reqId); headers (cookies, tokens) and bodies stay out of the logs.
      serializers: {
        req: (request: { method: string; url: string; remoteAddress?: string }) => ({ method: request.method, url: request.url, remoteAddress: request.remoteAddress }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      autoLogging: { ignore: (request) => UNLOGGED_PATHS.test(request.url ?? '') },
      customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
      // Lines logged during a request carry its id, not the whole request again.
      quietReqLogger: true,
    },
    microservice: {
      genReqId: (context) => pgContext(context)?.getMessageId() ?? `local-${++counter}`,
      customProps: (context) => {
        const pg = pgContext(context);
        return pg ? { queue: pg.getQueue(), attempt: pg.getAttempt() } : {};
      },
      customLogLevel: (_context, error) => (error ? 'debug' : 'info'),
    },
  });
}

/**
 * Routes Nest's own logs, and so the library's (nestBrokerLogger), through the structured logger; with
 * `{ logger: false }` (tests) everything is silent, HTTP request lines included. Create the app with
 * `bufferLogs: true` so the boot lines wait for it.
 */
export function useStructuredLogger(app: INestApplication, options: { logger?: false } = {}): void {
  if (!PinoLogger.root) throw new InvalidArgumentError('useStructuredLogger needs structuredLoggerModule(serviceName) in the app module', {});
  if (options.logger === false) {
    PinoLogger.root.level = 'silent';
    app.flushLogs();
  } else {
    app.useLogger(app.get(Logger));
  }
}
