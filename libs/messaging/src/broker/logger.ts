/** The logging the library does; Nest's LoggerService and `console` both fit. */
export interface BrokerLogger {
  log(message: string, ...context: unknown[]): void;
  warn(message: string, ...context: unknown[]): void;
  error(message: string, ...context: unknown[]): void;
  /** Detail for diagnosis (full error objects); optional, off unless the logger has a debug level. */
  debug?(message: string, ...context: unknown[]): void;
}

export const consoleLogger: BrokerLogger = {
  log: () => undefined,
  warn: (message, ...context) => console.warn(`[messaging] ${message}`, ...context),
  error: (message, ...context) => console.error(`[messaging] ${message}`, ...context),
};
