import fc from 'fast-check';
import { InvalidNameError } from '../errors.js';
import { BINDINGS, EXPECTED, referenceMatch, WIDE_BINDINGS, WIDE_EXPECTED, WIDE_WORDS, wordsOf } from '../../testing/driver-conformance/rabbitmq-topic-vectors.js';
import { compilePattern, routingForm, topicMatches } from './topic-matcher.js';

/** The compiled regex, run by JS's engine (PostgreSQL runs it in routing.spec.ts). */
const regexMatches = (pattern: string, key: string) => new RegExp(compilePattern(pattern)).test(routingForm(key));

describe('topic matcher', () => {
  const vectors = [...EXPECTED.map((v) => [...v, BINDINGS] as const), ...WIDE_EXPECTED.map((v) => [...v, WIDE_BINDINGS] as const)];
  it.each(vectors)('routes %j exactly as RabbitMQ does', (key, expected, bindings) => {
    for (const matches of [topicMatches, regexMatches]) {
      const matched = new Set(bindings.filter(([, pattern]) => matches(pattern, key)).map(([queue]) => queue));
      expect([...matched].sort()).toEqual([...expected].sort());
    }
  });

  it('treats the empty key as zero words and "a..b" as three', () => {
    expect(topicMatches('#', '')).toBe(true);
    expect(topicMatches('*', '')).toBe(false);
    expect(topicMatches('', '')).toBe(true);
    expect(topicMatches('a.*.b', 'a..b')).toBe(true);
    expect(topicMatches('a.b', 'a..b')).toBe(false);
    expect(topicMatches('audit.events.#', 'audit.events')).toBe(true);
  });

  it('takes pattern words literally, regex characters and partial wildcards included', () => {
    expect(topicMatches('a-b.c', 'a-b.c')).toBe(true);
    expect(topicMatches('a:b', 'axb')).toBe(false);
    expect(topicMatches('a*b', 'a*b')).toBe(true);
    expect(topicMatches('a*b', 'axxb')).toBe(false);
    expect(topicMatches('a.#b', 'a.x.b')).toBe(false);
    expect(topicMatches('a.*', 'a.*')).toBe(true); // a '*' word of a key is an ordinary word
    expect(topicMatches('a.b', 'a.*')).toBe(false);
  });

  it('escapes every ASCII character: each is literal in a pattern word, in JS and in the regex', () => {
    for (let code = 1; code < 128; code++) {
      const c = String.fromCharCode(code);
      if (c === '.') continue;
      for (const matches of [topicMatches, regexMatches]) {
        expect(matches(`x${c}y`, `x${c}y`)).toBe(true);
        if (c !== 'Z') expect(matches(`x${c}y`, 'xZy')).toBe(false);
        expect(matches(`x${c}y`, `x${c}${c}y`)).toBe(false);
      }
    }
  });

  it('agrees with the reference matcher on random patterns and keys over a wide alphabet', () => {
    const word = fc.oneof(fc.constantFrom(...WIDE_WORDS), fc.string({ maxLength: 3, unit: 'grapheme' }).map((w) => w.replaceAll('.', '')));
    const patternWord = fc.oneof(word, fc.constant('*'), fc.constant('#'));
    const key = fc.array(word, { maxLength: 6 }).map((ws) => ws.join('.'));
    const pattern = fc.array(patternWord, { maxLength: 6 }).map((ws) => ws.join('.'));
    fc.assert(
      fc.property(pattern, key, (p, k) => {
        // join() of [''] is '' which is the zero-word key; the reference must see it the same way.
        const expected = referenceMatch(wordsOf(p), wordsOf(k));
        expect(topicMatches(p, k)).toBe(expected);
        expect(regexMatches(p, k)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });

  it('matches in linear time where a backtracking regex would take seconds', () => {
    const pattern = Array(20).fill('#.a').join('.') + '.#.b';
    const key = Array(100).fill('a').join('.');
    const started = Date.now();
    expect(topicMatches(pattern, key)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000); // liveness bound: it takes well under 1 ms
  });

  it('accepts up to 255 bytes of UTF-8, and refuses more, NUL, lone surrogates and non-strings', () => {
    expect(topicMatches('x'.repeat(255), 'x'.repeat(255))).toBe(true);
    expect(topicMatches('#', `${'é'.repeat(127)}x`)).toBe(true); // 255 bytes in 128 characters
    expect(() => compilePattern('x'.repeat(256))).toThrow(/255 bytes/);
    expect(() => topicMatches('#', 'é'.repeat(128))).toThrow(/255 bytes/); // 256 bytes in 128 characters
    expect(() => compilePattern('a.\u0000')).toThrow(/NUL/);
    expect(() => topicMatches('#', 'a\ud800')).toThrow(/lone surrogate/);
    expect(() => topicMatches('#', 1 as never)).toThrow(InvalidNameError);
  });
});
