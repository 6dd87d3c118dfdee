import { Logger } from '@nestjs/common';
import type { BrokerLogger } from '../core/logger.js';
import { errorSummary, errorText, isError } from '../core/error-text.js';

type Level = 'log' | 'warn' | 'error';

const line = (message: string, details: unknown[], describe: (detail: unknown) => string) =>
  details.length === 0 ? message : `${message}: ${details.map(describe).join('; ')}`;

/** A record of fields (the alerter's alert), as opposed to an error or a value to describe. */
const isFields = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isError(value) && Object.getPrototypeOf(value) === Object.prototype;

/**
 * The library's logger inside Nest: Nest's `Logger` with the context `messaging`, so the library's lines go through
 * whatever logger the app uses (`app.useLogger(...)`, e.g. nestjs-pino). Nest loggers drop or misread extra
 * arguments (pino ignores them; Nest takes a trailing string for the context), so errors and values are folded into
 * the message: one line with the error's message, and the full error with its stack only at debug level. A record of
 * fields (a dead-letter alert) is passed as the message object with `msg`, which nestjs-pino writes as fields of the
 * line.
 */
export function nestBrokerLogger(context = 'messaging'): BrokerLogger {
  const logger = new Logger(context);
  const write = (level: Level) => (message: string, ...details: unknown[]) =>
    details.length === 1 && isFields(details[0]) ? logger[level]({ msg: message, ...details[0] }) : logger[level](line(message, details, errorSummary));
  return {
    log: write('log'),
    warn: write('warn'),
    error: write('error'),
    debug: (message, ...details) => logger.debug(line(message, details, (d) => errorText(d) ?? String(d))),
  };
}
