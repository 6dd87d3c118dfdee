import { redactPii, redactPiiIn } from '../../privacy/pii-redaction.js';
import { ADMIN_LIMITS } from '../admin-options.js';
import type { MessageDetail, MessageSummary } from '../broker-administration.js';

/** What a message's detail shows of its payload. */
export interface PayloadPreview {
  /** The payload (parsed JSON), or, past the cap, the first bytes of its JSON text; null when redacted. */
  payload: unknown;
  /** The payload was cut at `ADMIN_LIMITS.payloadPreviewBytes`; `payload` is then a string. */
  truncated: boolean;
  /** The caller may not see payloads (viewer without payload:read): only the size is shown. */
  redacted: boolean;
  payloadBytes: number;
}

export type MessageView = Omit<MessageDetail, 'payload'> & PayloadPreview;

/** The first `maxBytes` of a UTF-8 text, never splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * A message as the API shows it: payload capped at 64 KiB, hidden without payload rights. Error texts and headers
 * pass through the PII redaction for everyone: they leave for an operator's screen.
 */
export function messageView(message: MessageDetail, maySeePayload: boolean): MessageView {
  const { payload, ...rest } = message;
  const base = { ...summaryView(rest), headers: redactPiiIn(message.headers) };
  if (!maySeePayload) return { ...base, payload: null, truncated: false, redacted: true, payloadBytes: message.payloadBytes };
  const text = JSON.stringify(payload) ?? 'null';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= ADMIN_LIMITS.payloadPreviewBytes) return { ...base, payload, truncated: false, redacted: false, payloadBytes: message.payloadBytes };
  return { ...base, payload: cutUtf8(text, ADMIN_LIMITS.payloadPreviewBytes), truncated: true, redacted: false, payloadBytes: message.payloadBytes };
}

/** A message of a page, with its error texts redacted. */
export function summaryView<T extends MessageSummary>(message: T): T {
  return {
    ...message,
    lastError: message.lastError === null ? null : redactPii(message.lastError),
    deaths: message.deaths.map((death) => ({ ...death, lastError: death.lastError === null ? null : redactPii(death.lastError) })),
  };
}
