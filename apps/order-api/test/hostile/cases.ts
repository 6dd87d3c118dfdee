import type { HostileOrderApi, MemorySample, WriteCounts } from './order-api-fixture.js';
import { expectRefusal, sampleMemory } from './order-api-fixture.js';
import type { HostileRequest } from './http-client.js';

/** One hostile request and the refusal it must get. */
export interface RefusalCase {
  name: string;
  request: HostileRequest;
  status: number;
  /** What the message must say, when the API writes one (Node's own 400/431 have no JSON body). */
  reason?: RegExp;
  /** Node's HTTP parser answers these itself, with no body: only the status is checked. */
  bare?: boolean;
  /** Response headers that must be there, each matching its pattern. */
  headers?: Record<string, RegExp>;
  /** What the request sent that the response must not echo back. */
  notEchoed?: string;
}

/** Strings that break code which builds SQL, LIKE patterns, paths or text by hand, and values of the wrong type. */
export const INJECTIONS: [string, unknown][] = [
  ['a SQL tautology', "' OR '1'='1"],
  ['a DROP TABLE', "x'); DROP TABLE orders;--"],
  ['a stacked pg_sleep', '1; SELECT pg_sleep(10)'],
  ['LIKE wildcards', '%_%'],
  ['a backslash', '\\'],
  ['a NUL byte', 'a\u0000b'],
  ['a lone surrogate', 'a\ud800b'],
  ['an emoji', '\u{1F600}'],
  ['right-to-left override', 'a\u202eb'],
  ['HTML', '<script>alert(1)</script>'],
  ['a JNDI lookup', '${jndi:ldap://x/a}'],
  ['a path', '../../etc/passwd'],
  ['a NoSQL operator object', { $gt: '' }],
  ['an array', ['a']],
  ['a number', 1],
  ['null', null],
  ['a boolean', true],
];

/** The injection strings alone. */
export const INJECTION_STRINGS = INJECTIONS.filter((entry): entry is [string, string] => typeof entry[1] === 'string');

/** A valid order (its customer is the caller's token's), with some fields replaced. */
export const order = (overrides: Record<string, unknown> = {}) => ({
  email: 'ada@example.com',
  currency: 'EUR',
  items: [{ sku: 'book-1', quantity: 1, unitPrice: '12.50' }],
  ...overrides,
});

/** A valid order with one item field replaced. */
export const orderWithItem = (overrides: Record<string, unknown>) => order({ items: [{ sku: 'book-1', quantity: 1, unitPrice: '12.50', ...overrides }] });

export const postJson = (body: unknown, headers: Record<string, string | number> = {}): HostileRequest => ({
  method: 'POST',
  path: '/orders',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
});

/** The memory cap of a hostile suite: growth of the live heap and of RSS between its start and its end. */
export const MEMORY_CAP = { heapGrowthMb: 48, rssGrowthMb: 160 };

/**
 * Runs each case against the API, and checks after each: the status and message, nothing written (row counts), and
 * that the app still answers. Around the whole table: memory sampled before and after, within MEMORY_CAP.
 */
export function describeRefusals(title: string, api: () => HostileOrderApi, cases: RefusalCase[]): void {
  describe(title, () => {
    let before: WriteCounts;
    let memory: MemorySample;
    beforeAll(async () => {
      memory = sampleMemory();
    });
    beforeEach(async () => {
      before = await api().counts();
    });
    afterEach(async () => {
      expect(await api().counts()).toEqual(before);
      expect(await api().live()).toBe(200);
    });
    afterAll(() => {
      const after = sampleMemory();
      const growth = { heapGrowthMb: after.heapUsedMb - memory.heapUsedMb, rssGrowthMb: after.rssMb - memory.rssMb };
      console.log(`${title}: memory before ${JSON.stringify(memory)}, after ${JSON.stringify(after)}, cap ${JSON.stringify(MEMORY_CAP)}`);
      expect(growth.heapGrowthMb).toBeLessThan(MEMORY_CAP.heapGrowthMb);
      expect(growth.rssGrowthMb).toBeLessThan(MEMORY_CAP.rssGrowthMb);
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const response = await api().send(c.request);
      if (c.bare) expect(response.status).toBe(c.status);
      else expectRefusal(response, c.status, c.reason);
      for (const [name, pattern] of Object.entries(c.headers ?? {})) expect([name, response.headers[name]]).toEqual([name, expect.stringMatching(pattern)]);
      if (c.notEchoed) expect(response.text).not.toContain(c.notEchoed);
    });
  });
}
