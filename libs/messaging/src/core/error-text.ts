import { sep } from 'node:path';
import { types } from 'node:util';
import { redactPii } from '../privacy/pii-redaction.js';
import { MAX_ERROR_TEXT } from '../limits.js';

/** An Error, from this realm or another (Node's own errors under Jest's VM modules are not `instanceof Error`). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** One line for an error in a log: its name and message (any other value as JSON), without the stack or personal data. */
export function errorSummary(error: unknown): string {
  if (isError(error)) return redactPii(`${error.name}: ${error.message}`.split('\n')[0]);
  return (errorText(error) ?? redactPii(String(error))).split('\n')[0];
}

/** Stack frames kept in an error's text. */
const MAX_FRAMES = 10;
/** A file location in a stack frame: `(path:line:col)` or `at path:line:col`. */
const FILE_LOCATION = /(?:file:\/\/)?((?:[A-Za-z]:)?[^\s()]*[\\/][^\s()\\/]+):(\d+(?::\d+)?)/g;
const NODE_MODULES = `${sep}node_modules${sep}`;

/** A frame's file without machine folders: from its package in node_modules, else relative to the working folder, else its name. */
function withoutFolders(path: string): string {
  const cwd = `${process.cwd()}${sep}`;
  const inPackage = path.lastIndexOf(NODE_MODULES);
  if (inPackage >= 0) return path.slice(inPackage + NODE_MODULES.length);
  if (path.startsWith(cwd)) return path.slice(cwd.length);
  return path.split(/[\\/]/).pop() as string;
}

/** An Error's first line and its first stack frames, without machine paths. */
function trimmedStack(error: Error): string {
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, MAX_FRAMES)
    .map((line) => line.replace(FILE_LOCATION, (_match, path: string, position: string) => `${withoutFolders(path)}:${position}`));
  return [`${error.name}: ${error.message}`, ...frames].join('\n');
}

/**
 * The text kept for an error in `last_error` and the death history: the error's name, message and first stack
 * frames without machine paths, then its cause's first line; other values as JSON. Email addresses and phone
 * numbers in it are redacted (it reaches logs, the dead-letter queue and alerts). At most MAX_ERROR_TEXT characters.
 */
export function errorText(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  return redactPii(unredactedErrorText(error)).slice(0, MAX_ERROR_TEXT);
}

/** Text cut before redaction, which can shorten it: twice what is kept. */
const MAX_UNREDACTED_TEXT = 2 * MAX_ERROR_TEXT;

function unredactedErrorText(error: unknown): string {
  if (isError(error)) {
    const cause = isError(error.cause) ? `\nCaused by: ${error.cause.name}: ${error.cause.message.split('\n')[0]}` : '';
    return `${trimmedStack(error)}${cause}`.slice(0, MAX_UNREDACTED_TEXT);
  }
  try {
    return (typeof error === 'string' ? error : JSON.stringify(error)).slice(0, MAX_UNREDACTED_TEXT);
  } catch {
    return String(error).slice(0, MAX_UNREDACTED_TEXT);
  }
}
