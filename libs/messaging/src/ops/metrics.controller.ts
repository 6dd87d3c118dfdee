import { Controller, Get, Header } from '@nestjs/common';
import { Gauge, register, type Registry } from 'prom-client';
import { Broker } from '../broker/broker.js';

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
 * `GET /metrics` in the Prometheus text format: prom-client's registry (messaging_dead_letters_total and anything
 * the app adds) plus every queue's depth and the age of its oldest waiting message, read from the broker at scrape.
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly broker: Broker) {}

  @Get()
  @Header('content-type', register.contentType)
  async scrape(): Promise<string> {
    const { messages, oldest } = queueGauges(register);
    messages.reset();
    oldest.reset();
    for (const depth of await this.broker.queueDepths()) {
      for (const state of ['ready', 'delayed', 'leased'] as const) messages.set({ queue: depth.queue, state }, depth[state]);
      oldest.set({ queue: depth.queue }, depth.oldestAgeSeconds);
    }
    return register.metrics();
  }
}
