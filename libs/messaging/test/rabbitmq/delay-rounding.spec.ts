import { roundUpDelay } from '../../src/drivers/rabbitmq/names.js';
import { retryDelayMs } from '../../src/drivers/rabbitmq/settler.js';
import { resolveQueueOptions } from '../../src/topology/queue-options.js';

// Pure functions of the RabbitMQ driver: these run without RabbitMQ.
describe('RabbitMQ driver delays', () => {
  it('rounds a delay up to two significant digits, never down', () => {
    expect([0, 1, 99, 100, 101, 999, 1000, 1001, 1234, 12_345, 299_999, 7 * 24 * 3600 * 1000].map(roundUpDelay)).toEqual([
      0, 1, 99, 100, 110, 1000, 1000, 1100, 1300, 13_000, 300_000, 610_000_000,
    ]);
    for (let ms = 0; ms < 50_000; ms += 137) expect(roundUpDelay(ms)).toBeGreaterThanOrEqual(ms);
  });

  it('backs off as the PostgreSQL driver: base × 2^(attempt-1), capped, minus at most the jitter', () => {
    const options = resolveQueueOptions('q', { retryBaseMs: 100, retryMaxMs: 1000, retryJitter: 0 });
    expect([1, 2, 3, 4, 5, 50].map((attempt) => retryDelayMs(attempt, options))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const jittered = resolveQueueOptions('q', { retryBaseMs: 1000, retryJitter: 0.2 });
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs(1, jittered);
      expect(delay).toBeGreaterThan(800);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });
});
