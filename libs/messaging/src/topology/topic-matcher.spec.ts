import fc from 'fast-check';
import { InvalidNameError } from '../errors.js';
import { BINDINGS, EXPECTED } from '../../test/rabbitmq-topic-vectors.js';
import { compilePattern, topicMatches } from './topic-matcher.js';

/** The obvious recursive definition of RabbitMQ's rules, over word arrays: the reference the regex must equal. */
function referenceMatch(pattern: string[], key: string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') return referenceMatch(rest, key) || (key.length > 0 && referenceMatch(pattern, key.slice(1)));
  if (key.length === 0) return false;
  return (head === '*' || head === key[0]) && referenceMatch(rest, key.slice(1));
}

const words = (text: string) => (text === '' ? [] : text.split('.'));

describe('topic matcher', () => {
  it.each(EXPECTED)('routes %j exactly as RabbitMQ does', (key, expected) => {
    const matched = new Set(BINDINGS.filter(([, pattern]) => topicMatches(pattern, key)).map(([queue]) => queue));
    expect([...matched].sort()).toEqual([...expected].sort());
  });

  it('treats the empty key as zero words and "a..b" as three', () => {
    expect(topicMatches('#', '')).toBe(true);
    expect(topicMatches('*', '')).toBe(false);
    expect(topicMatches('', '')).toBe(true);
    expect(topicMatches('a.*.b', 'a..b')).toBe(true);
    expect(topicMatches('a.b', 'a..b')).toBe(false);
    expect(topicMatches('audit.events.#', 'audit.events')).toBe(true);
  });

  it('takes pattern words literally, regex characters included', () => {
    expect(topicMatches('a-b.c', 'a-b.c')).toBe(true);
    expect(topicMatches('a:b', 'axb')).toBe(false);
  });

  it('agrees with the reference matcher on random patterns and keys', () => {
    const word = fc.constantFrom('a', 'b', 'c', '', 'ab');
    const patternWord = fc.oneof(word, fc.constant('*'), fc.constant('#'));
    const key = fc.array(word, { maxLength: 6 }).map((ws) => ws.join('.'));
    const pattern = fc.array(patternWord, { maxLength: 6 }).map((ws) => ws.join('.'));
    fc.assert(
      fc.property(pattern, key, (p, k) => {
        // join() of [''] is '' which is the zero-word key; the reference must see it the same way.
        expect(topicMatches(p, k)).toBe(referenceMatch(words(p), words(k)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('rejects malformed patterns and keys with InvalidNameError', () => {
    expect(() => compilePattern('a.b*')).toThrow(InvalidNameError);
    expect(() => compilePattern('a.#x')).toThrow(InvalidNameError);
    expect(() => compilePattern('a b')).toThrow(InvalidNameError);
    expect(() => compilePattern("a'; drop table x; --")).toThrow(InvalidNameError);
    expect(() => compilePattern('x'.repeat(256))).toThrow(InvalidNameError);
    expect(() => topicMatches('#', 'a.*')).toThrow(InvalidNameError);
    expect(() => topicMatches('#', 'a.#')).toThrow(InvalidNameError);
  });
});
