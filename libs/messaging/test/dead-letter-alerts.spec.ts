import { Registry } from 'prom-client';
import { DEAD_LETTERED_ROUTING_KEY, DeadLetterAlerter, type DeadLetterAlert } from '../src/index.js';
import { createTestBroker, recordingLogger, startWebhookReceiver, waitFor, type RunningWebhookReceiver, type TestBroker } from '../testing/index.js';

describe('dead-letter alerts', () => {
  let t: TestBroker;
  let hook: RunningWebhookReceiver;

  beforeAll(async () => {
    t = await createTestBroker('alerts');
    hook = await startWebhookReceiver();
    await t.broker.declareQueue('payments', { maxAttempts: 1 });
    await t.broker.bindQueue('payments', 'order.*');
    await t.broker.declareQueue('ops.dead-letters');
    await t.broker.bindQueue('ops.dead-letters', DEAD_LETTERED_ROUTING_KEY);
  });
  afterAll(async () => {
    await hook.close();
    await t.cleanup();
  });

  async function failOne(messageId: string): Promise<void> {
    await t.broker.publish({ routingKey: 'order.created', payload: {}, messageId });
    const [d] = await t.broker.claim('payments');
    expect(await t.broker.nack(d, { error: new Error(`card declined for ${messageId}`) })).toBe('dead_lettered');
  }

  it('raises one alert per dead letter: a log line, a counter, one webhook post, and a messaging.dead_lettered event', async () => {
    const registry = new Registry();
    const logger = recordingLogger();
    const alerter = await new DeadLetterAlerter({
      broker: t.broker,
      webhookUrl: hook.url,
      registry,
      logger,
    }).start();
    try {
      await failOne('order-1');
      await waitFor(() => hook.posts.length === 1, { what: 'the webhook post' });
      expect(hook.posts[0].text).toContain('Dead letter in payments: message order-1 (order.created) delivery_limit, moved to payments.dlq');
      expect(hook.posts[0].text).toContain('card declined for order-1');
      expect(logger.at('error')).toEqual([
        {
          level: 'error',
          message: 'Dead letter in payments: message order-1 (order.created) delivery_limit',
          context: [expect.objectContaining({ event: 'dead_letter', queue: 'payments', messageId: 'order-1', reason: 'delivery_limit' })],
        },
      ]);
      const metric = await registry.getSingleMetric('messaging_dead_letters_total')!.get();
      expect(metric.values).toEqual([expect.objectContaining({ labels: { queue: 'payments', reason: 'delivery_limit' }, value: 1 })]);
      const [event] = await waitFor(() => t.broker.claim<DeadLetterAlert>('ops.dead-letters'), { what: 'the event' });
      expect(event.payload).toMatchObject({ queue: 'payments', deadLetterQueue: 'payments.dlq', messageId: 'order-1', reason: 'delivery_limit' });
      await t.broker.ack(event);
      // Handled once: nothing more arrives however often the alerter looks again.
      expect(await alerter.alertOnce()).toBe(0);
      expect(hook.posts).toHaveLength(1);
    } finally {
      await alerter.stop();
    }
  });

  it('a storm of dead letters gives the first few alerts and then one summary, not a post per message', async () => {
    hook.posts.length = 0;
    const alerter = new DeadLetterAlerter({
      broker: t.broker,
      webhookUrl: hook.url,
      registry: new Registry(),
      maxAlertsPerWindow: 2,
      windowMs: 300,
      publishEvents: false,
      logger: recordingLogger(),
    });
    for (let n = 0; n < 8; n++) await failOne(`storm-${n}`);
    await alerter.start();
    try {
      await waitFor(() => hook.posts.length === 3, { what: 'two alerts and a summary' });
      expect(hook.posts.slice(0, 2).map((p) => p.text)).toEqual([expect.stringContaining('storm-0'), expect.stringContaining('storm-1')]);
      expect(hook.posts[2].text).toContain('6 more dead letter(s) in the last window (payments: 6)');
      expect(alerter.alerted).toBe(8);
    } finally {
      await alerter.stop();
    }
  });

  it('takeDeadLetterEvents hands over at most `limit` events and forgets them only when the work succeeds', async () => {
    await failOne('taken-1');
    await failOne('taken-2');
    await expect(
      t.broker.takeDeadLetterEvents(1, async () => {
        throw new Error('webhook down');
      }),
    ).rejects.toThrow('webhook down');
    const seen: string[][] = [];
    const take = () => t.broker.takeDeadLetterEvents(1, async (events) => void seen.push(events.map((e) => e.messageId)));
    expect(await take()).toBe(1);
    expect(await take()).toBe(1);
    expect(await take()).toBe(0);
    expect(seen).toEqual([['taken-1'], ['taken-2']]);
  });
});
