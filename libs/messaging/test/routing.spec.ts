import { createTestBroker, type TestBroker } from '../testing/index.js';
import { BINDINGS, EXPECTED } from './rabbitmq-topic-vectors.js';

describe('topic routing in PostgreSQL', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await createTestBroker('routing');
    for (const [queue, pattern] of BINDINGS) {
      await t.broker.declareQueue(queue, { deadLetterQueue: null });
      await t.broker.bindQueue(queue, pattern);
    }
  });
  afterAll(() => t.cleanup());

  async function copiesPerQueue(): Promise<Map<string, string[]>> {
    const rows = await t.query<{ queue: string; routing_key: string }>(`SELECT queue, routing_key FROM "${t.schema}".messages ORDER BY id`);
    const byKey = new Map<string, string[]>();
    for (const row of rows) byKey.set(row.routing_key, [...(byKey.get(row.routing_key) ?? []), row.queue]);
    return byKey;
  }

  it("delivers RabbitMQ's conformance vectors to exactly the expected queues, one copy per queue", async () => {
    const result = await t.broker.publish(EXPECTED.map(([routingKey]) => ({ routingKey, payload: { routingKey } })));
    const byKey = await copiesPerQueue();
    for (const [key, expected] of EXPECTED) {
      expect([...(byKey.get(key) ?? [])].sort()).toEqual([...expected].sort());
    }
    expect(result.copies).toBe(EXPECTED.reduce((n, [, queues]) => n + queues.length, 0));
  });
});
