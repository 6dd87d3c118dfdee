/**
 * RabbitMQ's own topic-exchange conformance vectors, from rabbitmq-server deps/rabbit/test/routing_SUITE.erl
 * (topic_matching). t27 is bound twice and must still receive one copy.
 */
export const BINDINGS: [queue: string, pattern: string][] = [
  ['t1', 'a.b.c'], ['t2', 'a.*.c'], ['t3', 'a.#.b'], ['t4', 'a.b.b.c'], ['t5', '#'], ['t6', '#.#'], ['t7', '#.b'],
  ['t8', '*.*'], ['t9', 'a.*'], ['t10', '*.b.c'], ['t11', 'a.#'], ['t12', 'a.#.#'], ['t13', 'b.b.c'], ['t14', 'a.b.b'],
  ['t15', 'a.b'], ['t16', 'b.c'], ['t17', ''], ['t18', '*.*.*'], ['t19', 'vodka.martini'], ['t20', 'a.b.c'],
  ['t21', '*.#'], ['t22', '#.*.#'], ['t23', '*.#.#'], ['t25', '*'], ['t26', '#.b.#'], ['t27', 'args-test'], ['t27', 'args-test'],
];

export const EXPECTED: [routingKey: string, queues: string[]][] = [
  ['a.b.c', ['t1', 't2', 't5', 't6', 't10', 't11', 't12', 't18', 't20', 't21', 't22', 't23', 't26']],
  ['a.b', ['t3', 't5', 't6', 't7', 't8', 't9', 't11', 't12', 't15', 't21', 't22', 't23', 't26']],
  ['a.b.b', ['t3', 't5', 't6', 't7', 't11', 't12', 't14', 't18', 't21', 't22', 't23', 't26']],
  ['', ['t5', 't6', 't17']],
  ['b.c.c', ['t5', 't6', 't18', 't21', 't22', 't23', 't26']],
  ['a.a.a.a.a', ['t5', 't6', 't11', 't12', 't21', 't22', 't23']],
  ['vodka.gin', ['t5', 't6', 't8', 't21', 't22', 't23']],
  ['vodka.martini', ['t5', 't6', 't8', 't19', 't21', 't22', 't23']],
  ['b.b.c', ['t5', 't6', 't10', 't13', 't18', 't21', 't22', 't23', 't26']],
  ['nothing.here.at.all', ['t5', 't6', 't21', 't22', 't23']],
  ['oneword', ['t5', 't6', 't21', 't22', 't23', 't25']],
  ['args-test', ['t5', 't6', 't21', 't22', 't23', 't25', 't27']],
];

/**
 * Vectors beyond RabbitMQ's suite, for what RabbitMQ also accepts (any text up to 255 bytes): `*` or `#` inside a
 * word is a literal word, `*` and `#` in a key are literal words, and spaces, regex metacharacters and non-ASCII
 * text are ordinary. Expected queues worked out by RabbitMQ's rules (rabbit_db_topic_exchange: split on ".", then
 * match words; only whole-word "*" and "#" in a binding are wildcards).
 */
export const WIDE_BINDINGS: [queue: string, pattern: string][] = [
  ['w1', 'a*b'], ['w2', '#x'], ['w3', 'a.*'], ['w4', '*.#.ü'], ['w5', 'order created'], ['w6', '#'], ['w7', 'a.#'],
  ['w8', '€.*.😀'], ['w9', '(a|b).[x]'], ['w10', '\\d+'], ['w11', '*'],
];

export const WIDE_EXPECTED: [routingKey: string, queues: string[]][] = [
  ['a*b', ['w1', 'w6', 'w11']],
  ['axb', ['w6', 'w11']],
  ['#x', ['w2', 'w6', 'w11']],
  ['yx', ['w6', 'w11']],
  ['a.*', ['w3', 'w6', 'w7']],
  ['a.#', ['w3', 'w6', 'w7']],
  ['a', ['w6', 'w7', 'w11']],
  ['q.ü', ['w4', 'w6']],
  ['q.r.s.ü', ['w4', 'w6']],
  ['ü', ['w6', 'w11']],
  ['order created', ['w5', 'w6', 'w11']],
  ['order.created', ['w6']],
  ['€.x.😀', ['w6', 'w8']],
  ['€.x.y.😀', ['w6']],
  ['(a|b).[x]', ['w6', 'w9']],
  ['a.[x]', ['w3', 'w6', 'w7']],
  ['\\d+', ['w6', 'w10', 'w11']],
  ['7', ['w6', 'w11']],
  ['', ['w6']],
];

/** The obvious recursive definition of RabbitMQ's rules, over word arrays: the reference every matcher must equal. */
export function referenceMatch(pattern: string[], key: string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') return referenceMatch(rest, key) || (key.length > 0 && referenceMatch(pattern, key.slice(1)));
  if (key.length === 0) return false;
  return (head === '*' || head === key[0]) && referenceMatch(rest, key.slice(1));
}

/** Words of a key or pattern: '' has none. */
export const wordsOf = (text: string): string[] => (text === '' ? [] : text.split('.'));

/**
 * Words from a wide alphabet that collide often: regex metacharacters, spaces, control characters, non-ASCII and
 * astral text, and `*` / `#` inside words and as whole words (literal in keys, wildcards in patterns).
 */
export const WIDE_WORDS = ['a', 'b', '', '*', '#', 'a*b', '#a', '**', ' ', 'ü', '😀', '\\d', '\\', 'a|b', '(x)', '[^a]', '$', '^', 'x+', '\n', '\t', "'", '"', '%_', '\x01', '\x7f'];
