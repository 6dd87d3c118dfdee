import { Logger } from '@nestjs/common';
import type { BrokerLogger } from '../broker/logger.js';
import { errorSummary, errorText } from '../broker/error-text.js';


const line = (message: string, details: unknown[], describe: (detail: unknown) => string) =>
  details.length === 0 ? message : `${message}: ${details.map(describe).join('; ')}`;

/**
 * The library's logger inside Nest: Nest's `Logger` with the context `messaging`, so the library's lines go through
 * whatever logger the app uses (`app.useLogger(...)`, e.g. nestjs-pino). Nest loggers drop or misread extra
 * arguments (pino ignores them; Nest takes a trailing string for the context), so the details are folded into the
 * message: one line with the error's message, and the full error with its stack only at debug level.
 */
export function nestBrokerLogger(context = 'messaging'): BrokerLogger {
  const logger = new Logger(context);
  return {
    log: (message, ...details) => logger.log(line(message, details, errorSummary)),
    warn: (message, ...details) => logger.warn(line(message, details, errorSummary)),
    error: (message, ...details) => logger.error(line(message, details, errorSummary)),
    debug: (message, ...details) => logger.debug(line(message, details, (d) => errorText(d) ?? String(d))),
  };
}
