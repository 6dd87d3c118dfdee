import type { BrokerLogger } from '../src/index.js';

export interface LoggedLine {
  level: 'log' | 'warn' | 'error' | 'debug';
  message: string;
  context: unknown[];
}

/** A BrokerLogger that keeps every line, for tests that count or read what a component logged. */
export function recordingLogger(): BrokerLogger & { lines: LoggedLine[]; at(level: LoggedLine['level']): LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const record = (level: LoggedLine['level']) => (message: string, ...context: unknown[]) => void lines.push({ level, message, context });
  return {
    lines,
    at: (level) => lines.filter((line) => line.level === level),
    log: record('log'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
  };
}
