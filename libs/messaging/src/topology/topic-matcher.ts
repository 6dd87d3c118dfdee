import { assertPattern, assertRoutingKey } from '../validation/names.js';

/*
 * RabbitMQ topic-exchange matching. Keys and patterns are split on every '.'; the empty string has zero words,
 * empty words are ordinary words, '*' matches exactly one word, '#' matches zero or more.
 *
 * Routing runs inside PostgreSQL (`routing_form(key) ~ binding.pattern_regex`), so a pattern is compiled once, at
 * bind time, into a POSIX regular expression over the key's "routing form": every word prefixed with '.', which
 * makes the zero-word key '' and a one-empty-word key distinct and lets '#' swallow the separators with its words.
 */

/** The text a compiled pattern is matched against: `.w1.w2…` for words w1…, and '' for the zero-word key. */
export function routingForm(key: string): string {
  return key === '' ? '' : `.${key}`;
}

function escapeRegex(word: string): string {
  return word.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
}

/** Compiles a validated binding pattern into an anchored regex over `routingForm(key)`; valid in JS and PostgreSQL. */
export function compilePattern(pattern: string): string {
  assertPattern(pattern);
  if (pattern === '') return '^$';
  const parts = pattern.split('.').map((word) => {
    if (word === '#') return '(?:\\.[^.]*)*';
    if (word === '*') return '\\.[^.]*';
    return `\\.${escapeRegex(word)}`;
  });
  return `^${parts.join('')}$`;
}

/** True when `key` matches `pattern` under RabbitMQ's topic rules (the same test PostgreSQL runs when routing). */
export function topicMatches(pattern: string, key: string): boolean {
  assertRoutingKey(key);
  return new RegExp(compilePattern(pattern)).test(routingForm(key));
}
