import { Histogram, Registry } from 'prom-client';
import { registerProcessMetrics } from '../src/ops/process-metrics.js';
import { createTestBroker, signal, waitFor, type TestBroker } from '../testing/index.js';

describe("a process's own metrics", () => {
  let t: TestBroker;
  const registry = new Registry();

  beforeAll(async () => {
    t = await createTestBroker('process_metrics');
    registerProcessMetrics(registry, t.broker);
    registerProcessMetrics(registry, t.broker); // a second controller on the same registry adds nothing
  });
  afterAll(() => t.cleanup());

  const handled = async () => {
    const metric = await registry.getSingleMetric('messaging_consumer_messages_total')?.get();
    return Object.fromEntries((metric?.values ?? []).map((v) => [`${v.labels.queue} ${v.labels.outcome}`, v.value]));
  };

  it('counts each handled message once by queue and outcome (acked, failed, released on stop), with its duration', async () => {
    await t.broker.declareQueue('metered', { retryBaseMs: 1, retryJitter: 0 });
    await t.broker.publishToQueue('metered', { routingKey: 'fails-once', payload: 'fails-once' });
    const consumer = await t.broker.consume<string>('metered', async (d) => {
      if (d.payload === 'fails-once' && d.attempt === 1) throw new Error('first attempt fails');
    }, { pollIntervalMs: 20 });
    await waitFor(async () => (await handled())['metered acked'] === 1, { what: 'the retried message to be acked' });
    expect(await handled()).toEqual({ 'metered failed': 1, 'metered acked': 1 });
    await consumer.stop();

    // A handler still running when the grace period ends: its message is released, not failed.
    const started = signal();
    await t.broker.declareQueue('slow');
    await t.broker.publishToQueue('slow', { routingKey: 'slow', payload: 'slow' });
    const slow = await t.broker.consume('slow', async (_d, control) => {
      started.resolve();
      await new Promise((resolve) => control.signal.addEventListener('abort', resolve));
      throw new Error('aborted');
    }, { shutdownGraceMs: 0 });
    await started.promise;
    await slow.stop();
    await waitFor(async () => (await handled())['slow released'] === 1, { what: 'the released message' });

    const duration = await (registry.getSingleMetric('messaging_consumer_handler_duration_seconds') as Histogram).get();
    const counts = duration.values.filter((v) => v.metricName === 'messaging_consumer_handler_duration_seconds_count');
    expect(Object.fromEntries(counts.map((v) => [v.labels.queue, v.value]))).toEqual({ metered: 2, slow: 1 });
    expect(await registry.getSingleMetric('process_cpu_seconds_total')?.get()).toBeDefined();
    expect(registry.getMetricsAsArray().filter((m) => m.name === 'messaging_consumer_messages_total')).toHaveLength(1);
  });
});
