import { PayloadNotSerializableError, PayloadTooLargeError } from '../errors.js';

/** Default payload limit: 256 KiB of UTF-8 JSON, SQS's limit. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** Serialises a payload to JSON text and enforces the size limit; never lets a value JSON cannot hold through. */
export function serializePayload(payload: unknown, maxBytes: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new PayloadNotSerializableError(`Payload cannot be serialised to JSON: ${(error as Error).message}`, {});
  }
  if (json === undefined) {
    throw new PayloadNotSerializableError(`Payload cannot be serialised to JSON: ${typeof payload} has no JSON form`, {});
  }
  // A string of n UTF-16 units is at most 3n UTF-8 bytes: skip the exact count when it cannot exceed the limit.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > maxBytes) {
      throw new PayloadTooLargeError(`Payload is ${bytes} bytes of JSON, more than the limit of ${maxBytes}`, { bytes, maxBytes });
    }
  }
  return json;
}
