/** Values a caller may pass by mistake or on purpose, for the hostile-input suites of the library. */

/** Numbers no option of the library takes: each must be an InvalidArgumentError naming the option. */
export const BAD_NUMBERS: [string, unknown][] = [
  ['-1', -1],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['1.5', 1.5],
  ['2^53 + 2', 2 ** 53 + 2],
  ['1e308', 1e308],
  ['the string "10"', '10'],
  ['null', null],
  ['an object', {}],
  ['a BigInt', 10n],
  ['true', true],
];

/** Queue names the library refuses: SQL, quoting, spaces, control characters, non-ASCII, too long, wrong types. */
export const BAD_QUEUE_NAMES: [string, unknown][] = [
  ['empty', ''],
  ['a DROP TABLE', "q'); DROP TABLE messages;--"],
  ['a double quote', 'q"x'],
  ['a semicolon', 'q;x'],
  ['a space', 'q x'],
  ['a newline', 'q\n'],
  ['a NUL', 'q\u0000'],
  ['a LIKE wildcard', 'q%'],
  ['a backslash', 'q\\x'],
  ['a leading dot', '.q'],
  ['Cyrillic', 'очередь'],
  ['121 characters', 'q'.repeat(121)],
  ['1 MB', 'q'.repeat(2 ** 20)],
  ['a number', 42],
  ['null', null],
  ['an object', { toString: () => 'orders' }],
];

/** Routing keys and patterns the library refuses (it takes any other text of up to 255 bytes, as RabbitMQ). */
export const BAD_TOPICS: [string, unknown][] = [
  ['256 bytes', 'k'.repeat(256)],
  ['256 bytes of 2-byte characters', 'é'.repeat(128)],
  ['1 MB', 'k'.repeat(2 ** 20)],
  ['a NUL', 'a.\u0000'],
  ['a lone surrogate', 'a.\ud800'],
  ['a number', 7],
  ['null', null],
  ['an array', ['a', 'b']],
];

export const BAD_MESSAGE_IDS: [string, unknown][] = [
  ['empty', ''],
  ['a space', 'id 1'],
  ['a NUL', 'id\u0000'],
  ['non-ASCII', 'idé'],
  ['201 characters', 'i'.repeat(201)],
  ['a number', 1],
  ['null', null],
];

export const BAD_HEADERS: [string, unknown][] = [
  ['not an object', 'x-a: b'],
  ['an array', ['a']],
  ['null', null],
  ['a number value', { a: 1 }],
  ['an object value', { a: { b: 'c' } }],
  ['a name with a space', { 'a b': 'c' }],
  ['a name with a colon-space', { 'a: b': 'c' }],
  ['an empty name', { '': 'c' }],
  ['a 129-character name', { ['h'.repeat(129)]: 'c' }],
  ['a 4,097-character value', { a: 'v'.repeat(4097) }],
  ['a NUL in a value', { a: 'v\u0000' }],
  ['a lone surrogate in a value', { a: '\udc00' }],
  ['65 headers', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`h${i}`, 'v']))],
];

/** Payloads the library refuses: too large, too deep, or not JSON as they are. */
export function badPayloads(maxBytes: number): [string, unknown, RegExp][] {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  let deepObjects: unknown = 1;
  for (let i = 0; i < 1001; i++) deepObjects = { a: deepObjects };
  return [
    ['over the size limit', 'x'.repeat(maxBytes + 1), /more than the limit/],
    ['50 MB', 'x'.repeat(50 * 2 ** 20), /more than the limit/],
    ['100,000 nested arrays', deep, /nested more than 1000/],
    ['1,001 nested objects', deepObjects, /nested more than 1000/],
    ['cyclic', cyclic, /cycle/],
    ['a BigInt', { n: 10n }, /BigInt/],
    ['undefined', undefined, /undefined/],
    ['a function', { f: () => 1 }, /function/],
    ['NaN', { n: NaN }, /NaN/],
    ['a "__proto__" key (as JSON.parse makes it)', JSON.parse('{"a":{"__proto__":{"isAdmin":true}}}'), /__proto__/],
    ['a "constructor.prototype" key', JSON.parse('{"constructor":{"prototype":{"isAdmin":true}}}'), /constructor/],
  ];
}
