// What the CLI's exit status says, for scripts: one code per kind of outcome, listed in --help and docs/cli.md.
import { CommanderError } from 'commander';
import {
  BrokerUnavailableError,
  CapabilityNotSupportedError,
  InvalidArgumentError,
  InvalidNameError,
  MessagingError,
  PayloadNotSerializableError,
  PayloadTooLargeError,
  QueueInUseError,
  QueueNotFoundError,
  UnroutableMessageError,
} from '../errors.js';

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  refused: 4,
  connectionFailed: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit codes as --help shows them. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  failed (any other error)
  2  usage: a bad command, option or argument (nothing was done)
  3  not found: the queue or message does not exist, or no queue is bound to the routing key
  4  refused: not confirmed (no --yes and no terminal to ask on, or answered no), or the driver cannot do it
  5  connection failed: the database or RabbitMQ did not answer, or the schema holds no broker tables`;

/** A refusal the CLI itself decides (an unconfirmed destructive command); nothing was changed. */
export class RefusedError extends Error {}

/** Something asked for by id is not there (a message, a dead-letter queue's entry). */
export class NotFoundError extends Error {}

/** The broker could not be reached, or the target is not a broker database. */
export class ConnectionFailedError extends Error {}

// Socket and PostgreSQL errors that mean "wrong or unreachable server" rather than a failed command: class 08
// (connection exception), 28 (authorization), 3D000 (no such database), 3F000/42P01 (no broker schema or tables).
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN', '3D000', '3F000', '42P01', '57P01', '57P03']);

function isConnectionError(error: unknown): boolean {
  if (error instanceof ConnectionFailedError || error instanceof BrokerUnavailableError) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || /^(08|28)/.test(code));
}

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof InvalidArgumentError || error instanceof InvalidNameError) return EXIT.usage;
  if (error instanceof PayloadNotSerializableError || error instanceof PayloadTooLargeError) return EXIT.usage;
  if (error instanceof QueueNotFoundError || error instanceof UnroutableMessageError || error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof RefusedError || error instanceof CapabilityNotSupportedError || error instanceof QueueInUseError) return EXIT.refused;
  if (isConnectionError(error)) return EXIT.connectionFailed;
  return EXIT.error;
}

/** The one line printed on stderr for an error (no stack: these are expected outcomes, not bugs). */
export function errorLine(error: unknown): string {
  if (error instanceof MessagingError || error instanceof RefusedError || error instanceof NotFoundError || error instanceof ConnectionFailedError) {
    return error.message;
  }
  if (error instanceof AggregateError && error.errors.length > 0) return errorLine(error.errors[0]);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '42P01' || code === '3F000') return `${(error as Error).message}: no broker tables there (is --schema right? the broker's migrations create them)`;
  return error instanceof Error ? error.message || String(error) : String(error);
}
