import { Counter, register, type Registry } from 'prom-client';
import { BackgroundLoop } from '../core/background-loop.js';
import { consoleLogger, type BrokerLogger } from '../core/logger.js';
import type { DeadLetterEvent } from '../driver/dead-letter-event.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { redactPii } from '../privacy/pii-redaction.js';
import { untraced } from '../telemetry/messaging-spans.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { AlertRateLimiter } from './alert-rate-limiter.js';
import { postAlertWebhook } from './alert-webhook.js';

/** The routing key of the event published for every dead letter. */
export const DEAD_LETTERED_ROUTING_KEY = 'messaging.dead_lettered';

/** What is known of a dead letter when it is alerted on (also the payload of the `messaging.dead_lettered` event). */
export interface DeadLetterAlert {
  queue: string;
  deadLetterQueue: string | null;
  messageId: string;
  routingKey: string;
  reason: string;
  error: string | null;
  occurredAt: string;
}

export interface DeadLetterAlerterOptions {
  /** Where the dead-letter events come from (takeDeadLetterEvents) and the `messaging.dead_lettered` events go. */
  broker: MessageBroker;
  /** Slack-compatible incoming webhook (`{ "text": ... }` is POSTed). Default: none. */
  webhookUrl?: string;
  /** Alerts posted one by one per window; the rest go into one summary. Default 5. */
  maxAlertsPerWindow?: number;
  /** The rate-limit window, in ms. Default 60,000. */
  windowMs?: number;
  /** Publish a `messaging.dead_lettered` event per dead letter (for other services). Default true. */
  publishEvents?: boolean;
  /** prom-client registry for `messaging_dead_letters_total`. Default: prom-client's global registry. */
  registry?: Registry;
  /** Poll this often, in ms, besides the NOTIFY wake-ups. Default 1,000. */
  pollIntervalMs?: number;
  /** Gets one error line per dead letter, with the alert's fields as context. Default: the console. */
  logger?: BrokerLogger;
}

/** Events taken per round. */
const ALERT_BATCH = 100;

const counters = new WeakMap<Registry, Counter<'queue' | 'reason'>>();

/**
 * Raises an alert for every dead letter: a structured log line, a counter, a webhook post (rate-limited into
 * summaries), and a `messaging.dead_lettered` event. It takes the dead-letter events the broker records in the
 * same statement that moves a message, in a transaction that deletes them after the alert went out: a crash
 * repeats an alert at worst, never loses one. Several alerters may run; each event is taken by one.
 */
export class DeadLetterAlerter {
  private readonly limiter: AlertRateLimiter;
  private readonly counter: Counter<'queue' | 'reason'>;
  private readonly logger: BrokerLogger;
  private readonly loop: BackgroundLoop;
  private unsubscribe: (() => void) | null = null;
  /** Alerts raised so far (dead letters seen). */
  alerted = 0;

  constructor(private readonly options: DeadLetterAlerterOptions) {
    this.limiter = new AlertRateLimiter(
      assertIntegerInRange('maxAlertsPerWindow', options.maxAlertsPerWindow ?? 5, 0, 10_000),
      assertIntegerInRange('windowMs', options.windowMs ?? 60_000, 1, 86_400_000),
    );
    this.logger = options.logger ?? consoleLogger;
    this.counter = deadLetterCounter(options.registry);
    this.loop = new BackgroundLoop({
      name: 'Dead-letter alerter',
      intervalMs: assertIntegerInRange('pollIntervalMs', options.pollIntervalMs ?? 1_000, 1, 86_400_000),
      // Sooner only when held-back alerts await their summary (the window used to be waited on even with none,
      // a 1 ms wait: 420 commits/s on an idle system).
      nextDelayMs: () => {
        const due = this.limiter.summaryDueAt;
        return due === null ? null : due - Date.now();
      },
      round: async () => {
        const handled = await this.alertOnce();
        await this.postSummaryIfDue();
        return handled >= ALERT_BATCH;
      },
      logger: this.logger,
    });
  }

  /** True while alerting rounds fail (the database or the webhook is down). */
  get failing(): boolean {
    return this.loop.failing;
  }

  async start(): Promise<this> {
    this.unsubscribe ??= await this.options.broker.onDeadLetterEvent(() => this.loop.wake());
    this.loop.start();
    return this;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.loop.stop();
  }

  /** Alerts on the dead letters recorded so far (up to 100); returns how many. */
  alertOnce(): Promise<number> {
    return untraced(() =>
      this.options.broker.takeDeadLetterEvents(ALERT_BATCH, async (events) => {
        for (const event of events) await this.alert(toAlert(event));
      }),
    );
  }

  private async alert(alert: DeadLetterAlert): Promise<void> {
    this.logger.error(`Dead letter in ${alert.queue}: message ${alert.messageId} (${alert.routingKey}) ${alert.reason}`, { event: 'dead_letter', ...alert });
    this.counter.inc({ queue: alert.queue, reason: alert.reason });
    if (this.options.webhookUrl && this.limiter.admit(alert.queue)) {
      await this.post({
        text: `:rotating_light: Dead letter in ${alert.queue}: message ${alert.messageId} (${alert.routingKey}) ${alert.reason}` +
          (alert.deadLetterQueue ? `, moved to ${alert.deadLetterQueue}` : ', dropped (no dead-letter queue)') +
          (alert.error ? `\n> ${alert.error.split('\n')[0].slice(0, 300)}` : ''),
      });
    }
    // No event about the events' own dead letters: that could loop.
    if (this.options.publishEvents !== false && alert.routingKey !== DEAD_LETTERED_ROUTING_KEY) {
      await this.options.broker.publish(
        { routingKey: DEAD_LETTERED_ROUTING_KEY, payload: alert, messageId: `dead-letter-${alert.queue}-${alert.messageId}-${Date.parse(alert.occurredAt)}` },
        // The id is fixed per event, so an alert repeated after a crash publishes its event once.
        { mandatory: 'report', ...(this.options.broker.capabilities.deduplicationWindow ? { deduplicationWindowMs: 24 * 60 * 60 * 1000 } : {}) },
      );
    }
    this.alerted++;
  }

  private async postSummaryIfDue(): Promise<void> {
    if (!this.options.webhookUrl) return;
    const summary = this.limiter.takeSummary();
    if (!summary) return;
    const total = [...summary.values()].reduce((a, b) => a + b, 0);
    const parts = [...summary.entries()].map(([queue, n]) => `${queue}: ${n}`).join(', ');
    await this.post({ text: `:rotating_light: ${total} more dead letter(s) in the last window (${parts})` });
  }

  private post(body: { text: string }): Promise<void> {
    return postAlertWebhook(this.options.webhookUrl as string, body);
  }
}

function toAlert(event: DeadLetterEvent): DeadLetterAlert {
  return {
    ...event,
    // Redacted when it was stored; again here for events stored before that (or by another writer).
    error: event.error === null ? null : redactPii(event.error),
    occurredAt: event.occurredAt.toISOString(),
  };
}

/** One counter per registry (prom-client refuses a second metric of the same name). */
function deadLetterCounter(registry: Registry = register): Counter<'queue' | 'reason'> {
  let counter = counters.get(registry);
  if (!counter) {
    counter = new Counter({
      name: 'messaging_dead_letters_total',
      help: 'Messages that left their queue for good (dead-lettered or dropped), by queue and reason',
      labelNames: ['queue', 'reason'],
      registers: [registry],
    });
    counters.set(registry, counter);
  }
  return counter;
}
