import { Controller, Get, Header, Inject, Optional } from '@nestjs/common';
import { Gauge, register, type Registry } from 'prom-client';
import type { MessageBroker } from '../driver/message-broker.js';
import { MESSAGE_BROKER } from '../message-broker.token.js';
import { OpsEndpoint } from './ops-listener.js';
import { registerProcessMetrics } from './process-metrics.js';

export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');

export interface MetricsOptions {
  /**
   * Also export the broker-wide gauges: every queue's depth by state and the age of its oldest waiting message,
   * read from the broker at each scrape. They are the same whichever app reads them, so turn this on in one app
   * only (the reference system: order-api); every app scraped would repeat each series. Default false.
   */
  brokerMetrics?: boolean;
  /** Where the metrics live. Default: prom-client's global registry. */
  registry?: Registry;
}

const gauges = new WeakMap<Registry, { messages: Gauge<'queue' | 'state'>; oldest: Gauge<'queue'> }>();

/** The queue gauges of a registry, made once (prom-client refuses a second metric of the same name). */
function queueGauges(registry: Registry): { messages: Gauge<'queue' | 'state'>; oldest: Gauge<'queue'> } {
  let found = gauges.get(registry);
  if (!found) {
    found = {
      messages: new Gauge({ name: 'messaging_queue_messages', help: 'Messages in a queue, by state (ready, delayed, leased)', labelNames: ['queue', 'state'], registers: [registry] }),
      oldest: new Gauge({ name: 'messaging_queue_oldest_message_age_seconds', help: 'Age of the oldest message waiting in a queue', labelNames: ['queue'], registers: [registry] }),
    };
    gauges.set(registry, found);
  }
  return found;
}

/**
 * `GET /metrics` in the Prometheus text format: the registry (with what the app adds; the dead-letter alerter's
 * messaging_dead_letters_total where it runs), this process's metrics (registerProcessMetrics), and, with
 * `brokerMetrics`, every queue's depth. Register it through MetricsModule.forRoot(options), or list it as a
 * controller for the defaults. With OpsModule, only on the ops port.
 */
@Controller('metrics')
@OpsEndpoint()
export class MetricsController {
  private readonly registry: Registry;
  private readonly brokerMetrics: boolean;

  constructor(
    @Inject(MESSAGE_BROKER) private readonly broker: MessageBroker,
    @Optional() @Inject(METRICS_OPTIONS) options: MetricsOptions | null,
  ) {
    this.registry = options?.registry ?? register;
    this.brokerMetrics = options?.brokerMetrics === true;
    registerProcessMetrics(this.registry, broker);
  }

  @Get()
  @Header('content-type', register.contentType)
  async scrape(): Promise<string> {
    if (this.brokerMetrics) await this.readQueueDepths();
    return this.registry.metrics();
  }

  private async readQueueDepths(): Promise<void> {
    const { messages, oldest } = queueGauges(this.registry);
    const depths = await this.broker.queueDepths();
    messages.reset();
    oldest.reset();
    for (const depth of depths) {
      for (const state of ['ready', 'delayed', 'leased'] as const) messages.set({ queue: depth.queue, state }, depth[state]);
      oldest.set({ queue: depth.queue }, depth.oldestAgeSeconds);
    }
  }
}
