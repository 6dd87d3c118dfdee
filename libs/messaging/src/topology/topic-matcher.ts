import { assertPattern, assertRoutingKey } from '../validation/names.js';

/*
 * RabbitMQ topic-exchange matching. Keys and patterns are split on every '.'; the empty string has zero words,
 * empty words are ordinary words, a whole word '*' matches exactly one word and '#' zero or more. Any other word is
 * literal, whatever it holds ('a*b', '#x', ' ', 'ü'), and so is every word of a routing key ('*' and '#' too).
 *
 * Routing runs inside PostgreSQL (`routing_form(key) ~ binding.pattern_regex`), so a pattern is compiled once, at
 * bind time, into a regular expression over the key's "routing form": every word prefixed with '.', which makes
 * the zero-word key '' and a one-empty-word key distinct and lets '#' swallow the separators with its words.
 */

/** The text a compiled pattern is matched against: `.w1.w2…` for words w1…, and '' for the zero-word key. */
export function routingForm(key: string): string {
  return key === '' ? '' : `.${key}`;
}

/**
 * Every ASCII character but letters and digits gets a backslash: in PostgreSQL's AREs (and JS without the `u`
 * flag) a backslash before a non-alphanumeric character means that character, so no word can carry an operator.
 * Other characters are literal as they are (a backslash before a non-ASCII letter could read as a class escape).
 */
function escapeRegex(word: string): string {
  return word.replace(/[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/g, '\\$&');
}

/** Compiles a validated binding pattern into an anchored regex over `routingForm(key)`; valid in JS and PostgreSQL. */
export function compilePattern(pattern: string): string {
  assertPattern(pattern);
  if (pattern === '') return '^$';
  const words = pattern.split('.').filter((word, i, all) => !(word === '#' && all[i - 1] === '#')); // '#.#' is '#'
  const parts = words.map((word) => {
    if (word === '#') return '(?:\\.[^.]*)*';
    if (word === '*') return '\\.[^.]*';
    return `\\.${escapeRegex(word)}`;
  });
  return `^${parts.join('')}$`;
}

const wordsOf = (text: string): string[] => (text === '' ? [] : text.split('.'));

/**
 * True when `key` matches `pattern` under RabbitMQ's topic rules (what PostgreSQL computes with the compiled regex).
 * Matches word by word in O(pattern words × key words): a backtracking JS regex of a pattern such as
 * `#.a.#.a.#.a.#.a.#.b` takes seconds on a long key (PostgreSQL's regex engine does not backtrack: 1 ms).
 */
export function topicMatches(pattern: string, key: string): boolean {
  assertPattern(pattern);
  assertRoutingKey(key);
  const p = wordsOf(pattern);
  const k = wordsOf(key);
  let pi = 0;
  let ki = 0;
  let lastHash = -1; // the latest '#' seen, and the key word it was last tried to end before
  let hashEnd = 0;
  while (ki < k.length) {
    if (pi < p.length && p[pi] === '#') {
      lastHash = pi++;
      hashEnd = ki;
    } else if (pi < p.length && (p[pi] === '*' || p[pi] === k[ki])) {
      pi++;
      ki++;
    } else if (lastHash >= 0) {
      pi = lastHash + 1; // let the '#' take one more word
      ki = ++hashEnd;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '#') pi++;
  return pi === p.length;
}
