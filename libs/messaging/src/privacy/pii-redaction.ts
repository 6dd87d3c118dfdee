/*
 * Personal data kept out of logs, span attributes and events, dead-letter error text and alerts (T25
 * in docs/reliability.md). The reference system's customer fields are an email address and, in free text, a phone number: both
 * have a recognisable form, so the text is redacted wherever it leaves for an operator, whoever wrote it (our
 * errors, an SMTP server's reply quoting the recipient, a database error quoting a value). Names have no such form:
 * they are kept out at the source (the library never records payloads).
 */

/**
 * An email address: a local part, `@`, and a domain whose last label starts with a letter (so `user@127.0.0.1` in a
 * URL and `pkg@1.2.3` stay). No `/` in the local part (RFC 5322 allows it, nobody uses it), so a path such as
 * `node_modules/@scope/name` in a stack frame is left alone.
 */
const EMAIL = /[\p{L}\p{N}.!#$%&'*+=?^_`{|}~-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*/gu;
/** A phone number in international form: `+`, then at least 8 digits with spaces, dots, dashes or brackets between. */
const PHONE = /\+\d(?:[ ().-]{0,2}\d){7,15}/g;

export const REDACTED_EMAIL = '[email]';
export const REDACTED_PHONE = '[phone]';

/** The text with every email address and international phone number replaced by `[email]` / `[phone]`. */
export function redactPii(text: string): string {
  return text.replace(EMAIL, REDACTED_EMAIL).replace(PHONE, REDACTED_PHONE);
}

/** A copy of a value (a record of log fields, an alert) with every string in it redacted; other values as they are. */
export function redactPiiIn<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactPii(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactPiiIn(item, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactPiiIn(item, depth + 1)])) as T;
}
