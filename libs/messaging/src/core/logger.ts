import { errorText, isError } from './error-text.js';
import { redactPii, redactPiiIn } from '../privacy/pii-redaction.js';

/** The logging the library does; Nest's LoggerService and `console` both fit. */
export interface BrokerLogger {
  log(message: string, ...context: unknown[]): void;
  warn(message: string, ...context: unknown[]): void;
  error(message: string, ...context: unknown[]): void;
  /** Detail for diagnosis (full error objects); optional, off unless the logger has a debug level. */
  debug?(message: string, ...context: unknown[]): void;
}

/** Errors as their text (trimmed stack), everything without email addresses or phone numbers. */
const redacted = (context: unknown[]) => context.map((item) => (isError(item) ? errorText(item) : redactPiiIn(item)));

export const consoleLogger: BrokerLogger = {
  log: () => undefined,
  warn: (message, ...context) => console.warn(`[messaging] ${redactPii(message)}`, ...redacted(context)),
  error: (message, ...context) => console.error(`[messaging] ${redactPii(message)}`, ...redacted(context)),
};
