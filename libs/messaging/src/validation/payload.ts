import { PayloadNotSerializableError, PayloadTooLargeError } from '../errors.js';

/** Default payload limit: 256 KiB of UTF-8 JSON, SQS's limit. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** The highest `maxPayloadBytes` a broker or an outbox takes: 64 MiB. */
export const MAX_PAYLOAD_BYTES_LIMIT = 64 * 1024 * 1024;

/** Deepest nesting of arrays and objects in a payload; PostgreSQL's json parser overflows its stack past ~10,000. */
export const MAX_PAYLOAD_DEPTH = 1000;

/** Objects JSON.stringify turns into `{}` (or `{"0":…}`), losing what they hold. */
const LOSSY_CLASSES: (abstract new (...args: never[]) => object)[] = [Map, Set, WeakMap, WeakSet, WeakRef, ArrayBuffer, SharedArrayBuffer, RegExp, Error, Promise];

/**
 * Serialises a payload to JSON text and enforces the size limit. Refuses, naming the path (`payload.items[2].price`),
 * every value JSON would silently change: NaN and ±Infinity (null), Map, Set, typed arrays and Buffers, RegExp,
 * Error and the like (`{}` or an object of indexes), invalid Dates (null), functions and symbols (dropped), undefined
 * in an array (null), BigInt, cycles and nesting deeper than MAX_PAYLOAD_DEPTH. A property that is undefined is left
 * out, as JSON does; a valid Date becomes its ISO string, and any object with toJSON its result. Refuses too the keys
 * that poison prototypes where a consumer merges the parsed payload into an object (`__proto__`, and `constructor`
 * holding a `prototype`; tested by T19), as Fastify's secure-json-parse does for request bodies.
 */
export function serializePayload(payload: unknown, maxBytes: number): string {
  const path: (string | number)[] = [];
  let problem: string | null;
  let json: string;
  try {
    problem = payload === undefined ? 'undefined, which has no JSON form' : findProblem(payload, '', 0, [], path);
    json = problem === null ? JSON.stringify(payload) : '';
  } catch (error) {
    throw new PayloadNotSerializableError(`Payload cannot be serialised to JSON: ${(error as Error).message}`, {}); // a throwing getter or toJSON
  }
  if (problem !== null) {
    const where = `payload${path
      .reverse()
      .map((key) => (typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key.slice(0, 80))}]`))
      .join('')}`;
    // A path 1,000 levels deep is 3,000 characters: the message keeps its two ends.
    const shown = where.length > 200 ? `${where.slice(0, 120)}…${where.slice(-60)}` : where;
    throw new PayloadNotSerializableError(`Payload cannot be serialised to JSON: ${shown} is ${problem}`, { path: where });
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

/**
 * The common case, checked inline so that a flat payload costs no call per field. Measured on the bench's 100-byte
 * payload: the walk adds about 1 µs to JSON.stringify's 1-1.5 µs (a JSON.stringify replacer doubled it instead, and
 * cannot name the path), against 13.5 µs of Node CPU per message in batches of 1,000 (npm run bench -- --quick).
 */
function isJsonScalar(value: unknown): boolean {
  const type = typeof value;
  return type === 'string' || type === 'boolean' || value === null || (type === 'number' && Number.isFinite(value));
}

/**
 * What in `value` JSON cannot hold as it is, or null. On a problem, `path` gets the keys from the problem up
 * (reversed), so the common case builds no path at all. `ancestors` is the chain of objects above, for cycles.
 */
function findProblem(value: unknown, key: string, depth: number, ancestors: object[], path: (string | number)[]): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : String(value);
    case 'bigint':
      return 'a BigInt (send it as a string)';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'undefined':
      return 'undefined (in an array, JSON would make it null)';
  }
  if (value === null) return null;
  const object = value as Record<string, unknown>;
  if (depth >= MAX_PAYLOAD_DEPTH) return `nested more than ${MAX_PAYLOAD_DEPTH} levels deep`;
  if (ancestors.includes(object)) return 'a reference to an object that contains it (a cycle)';
  if (Array.isArray(object)) {
    ancestors.push(object);
    for (let i = 0; i < object.length; i++) {
      if (isJsonScalar(object[i])) continue;
      const problem = findProblem(object[i], String(i), depth + 1, ancestors, path);
      if (problem !== null) {
        path.push(i);
        return problem;
      }
    }
    ancestors.pop();
    return null;
  }
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    const special = classProblem(object, key);
    if (special !== undefined) return special === null || typeof special === 'string' ? special : findProblem(special.json, key, depth + 1, ancestors, path);
  } else if (typeof object.toJSON === 'function') {
    return findProblem(object.toJSON(key), key, depth + 1, ancestors, path);
  }
  ancestors.push(object);
  for (const name of Object.keys(object)) {
    const child = object[name];
    const poison = prototypeKeyProblem(name, child);
    if (poison !== null) {
      path.push(name);
      return poison;
    }
    if (child === undefined || isJsonScalar(child)) continue;
    const problem = findProblem(child, name, depth + 1, ancestors, path);
    if (problem !== null) {
      path.push(name);
      return problem;
    }
  }
  ancestors.pop();
  return null;
}

/** A key that would poison a prototype where the parsed payload is merged into an object, or null. */
function prototypeKeyProblem(name: string, child: unknown): string | null {
  if (name === '__proto__') return 'a "__proto__" key, refused: it poisons prototypes where the payload is merged into an object';
  if (name === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
    return 'a "constructor" key with a "prototype", refused: it poisons prototypes where the payload is merged into an object';
  }
  return null;
}

/**
 * For an object that is not a plain one: its problem, null when it is fine as it is (a valid Date), `{ json }` for
 * the value its toJSON or boxed primitive stands for, or undefined to check it as an ordinary object.
 */
function classProblem(object: object, key: string): string | null | { json: unknown } | undefined {
  if (ArrayBuffer.isView(object)) return `${article(object)} (send binary data as a base64 string)`;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'an invalid Date' : null;
  for (const lossy of LOSSY_CLASSES) if (object instanceof lossy) return `${article(object)}, which JSON would turn into {}`;
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return { json: toJSON.call(object, key) };
  if (object instanceof Number || object instanceof String || object instanceof Boolean) return { json: object.valueOf() };
  return undefined;
}

const article = (object: object) => `${/^[AEIOU]/.test(object.constructor.name) ? 'an' : 'a'} ${object.constructor.name}`;
