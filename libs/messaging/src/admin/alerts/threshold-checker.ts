import { BackgroundLoop } from '../../core/background-loop.js';
import type { BrokerLogger } from '../../core/logger.js';
import { postAlertWebhook } from '../../ops/alert-webhook.js';
import type { AdminBroker } from '../broker-administration.js';
import { queueOverviews, type QueueOverview } from '../queues/queue-overview.js';
import { THRESHOLD_NAMES, type AlertThresholdStore, type StoredThresholds, type ThresholdName } from './alert-thresholds.js';

export interface ThresholdAlert {
  queue: string;
  threshold: ThresholdName;
  limit: number;
  value: number;
}

const valueOf = (queue: QueueOverview, name: ThresholdName): number | null =>
  name === 'deadLetterDepth' ? queue.depth.dead : name === 'oldestAgeSeconds' ? queue.oldestAgeSeconds : (queue.rates?.in1m ?? null);

const describe: Record<ThresholdName, string> = {
  deadLetterDepth: 'dead letters',
  arrivalRatePerSecond: 'messages/s arriving',
  oldestAgeSeconds: 's oldest message age',
};

/**
 * Checks every queue's thresholds periodically and alerts when one is crossed: an error line in the log and, when
 * configured, a post to the same Slack-compatible webhook as the dead-letter alerter. An alert fires once on
 * entering the breach and a line is logged when it clears; the state is kept in the database, so a restart or a
 * second replica does not repeat it.
 */
export class ThresholdChecker {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly broker: AdminBroker,
    private readonly store: AlertThresholdStore,
    private readonly options: { intervalMs: number; webhookUrl?: string; logger: BrokerLogger },
  ) {
    this.loop = new BackgroundLoop({ name: 'Admin threshold checker', intervalMs: options.intervalMs, round: () => this.checkOnce().then(() => false), logger: options.logger });
  }

  start(): this {
    this.loop.start();
    return this;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One check of every queue with thresholds; returns the alerts raised. */
  async checkOnce(): Promise<ThresholdAlert[]> {
    const thresholds = await this.store.all();
    if (thresholds.length === 0) return [];
    const queues = new Map((await queueOverviews(this.broker)).map((queue) => [queue.name, queue]));
    const raised: ThresholdAlert[] = [];
    for (const stored of thresholds) {
      const queue = queues.get(stored.queue);
      if (queue) raised.push(...(await this.check(stored, queue)));
    }
    return raised;
  }

  private async check(stored: StoredThresholds, queue: QueueOverview): Promise<ThresholdAlert[]> {
    const breached: ThresholdAlert[] = [];
    for (const threshold of THRESHOLD_NAMES) {
      const limit = stored[threshold];
      const value = valueOf(queue, threshold);
      if (limit !== undefined && value !== null && value > limit) breached.push({ queue: queue.name, threshold, limit, value });
    }
    const now = breached.map((alert) => alert.threshold);
    if (now.join() === stored.firing.join() || !(await this.store.changeFiring(queue.name, stored.firing, now))) return [];
    const raised = breached.filter((alert) => !stored.firing.includes(alert.threshold));
    for (const alert of raised) await this.alert(alert);
    const cleared = stored.firing.filter((threshold) => !now.includes(threshold));
    if (cleared.length > 0) this.options.logger.log(`Queue ${queue.name} is back under its ${cleared.join(', ')} threshold(s)`, { event: 'queue_threshold_cleared', queue: queue.name, cleared });
    return raised;
  }

  private async alert(alert: ThresholdAlert): Promise<void> {
    const text = `Queue ${alert.queue}: ${alert.value} ${describe[alert.threshold]}, above its threshold of ${alert.limit}`;
    this.options.logger.error(text, { event: 'queue_threshold', ...alert });
    if (this.options.webhookUrl) await postAlertWebhook(this.options.webhookUrl, { text: `:rotating_light: ${text}` });
  }
}
