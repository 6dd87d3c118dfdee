import { QueueNotFoundError } from '../../errors.js';
import type { QueueDepth } from '../../driver/broker-types.js';
import type { ResolvedQueueOptions } from '../../topology/queue-options.js';
import type { AdminBroker, QueueActivity } from '../broker-administration.js';

export interface QueueRates {
  /** Messages published into the queue per second, over the last minute and the last five. */
  in1m: number;
  in5m: number;
  /** Messages that left it (acked or dead-lettered) per second, over the same windows. */
  out1m: number;
  out5m: number;
}

export interface QueueOverview {
  name: string;
  depth: { ready: number; delayed: number; leased: number; dead: number };
  oldestAgeSeconds: number;
  /** null where the engine keeps no counters (capability activityRates). */
  rates: QueueRates | null;
  consumers: number;
  paused: boolean;
  options: ResolvedQueueOptions;
  bindings: string[];
  deadLetterQueue: string | null;
}

const ONE_MINUTE_MS = 60_000;
const FIVE_MINUTES_MS = 300_000;

const perSecond = (count: number, windowMs: number) => Math.round((count / (windowMs / 1000)) * 1000) / 1000;

function ratesOf(queue: string, last1m: Map<string, QueueActivity>, last5m: Map<string, QueueActivity>): QueueRates {
  const one = last1m.get(queue);
  const five = last5m.get(queue);
  return {
    in1m: perSecond(one?.published ?? 0, ONE_MINUTE_MS),
    in5m: perSecond(five?.published ?? 0, FIVE_MINUTES_MS),
    out1m: perSecond((one?.acked ?? 0) + (one?.deadLettered ?? 0), ONE_MINUTE_MS),
    out5m: perSecond((five?.acked ?? 0) + (five?.deadLettered ?? 0), FIVE_MINUTES_MS),
  };
}

const byQueue = <T extends { queue: string }>(rows: T[]) => new Map(rows.map((row) => [row.queue, row]));
const total = (depth: QueueDepth | undefined) => (depth ? depth.ready + depth.delayed + depth.leased : 0);

/** Every queue with its depth by state (its dead-letter queue's depth as `dead`), age, rates, consumers and pause. */
export async function queueOverviews(broker: AdminBroker): Promise<QueueOverview[]> {
  const withRates = broker.capabilities.activityRates;
  const [queues, depths, consumers, paused, last1m, last5m] = await Promise.all([
    broker.listQueues(),
    broker.queueDepths(),
    broker.consumerCounts(),
    broker.pausedQueues(),
    withRates ? broker.activity(ONE_MINUTE_MS) : [],
    withRates ? broker.activity(FIVE_MINUTES_MS) : [],
  ]);
  const depthOf = byQueue(depths);
  const pausedSet = new Set(paused);
  const [one, five] = [byQueue(last1m), byQueue(last5m)];
  return queues.map((queue) => {
    const depth = depthOf.get(queue.name);
    const deadLetterQueue = queue.options.deadLetterQueue;
    return {
      name: queue.name,
      depth: { ready: depth?.ready ?? 0, delayed: depth?.delayed ?? 0, leased: depth?.leased ?? 0, dead: deadLetterQueue ? total(depthOf.get(deadLetterQueue)) : 0 },
      oldestAgeSeconds: depth?.oldestAgeSeconds ?? 0,
      rates: withRates ? ratesOf(queue.name, one, five) : null,
      consumers: consumers[queue.name] ?? 0,
      paused: pausedSet.has(queue.name),
      options: queue.options,
      bindings: queue.bindings,
      deadLetterQueue,
    };
  });
}

/** One queue's overview; QueueNotFoundError (404) when there is none of that name. */
export async function queueOverview(broker: AdminBroker, name: string): Promise<QueueOverview> {
  const found = (await queueOverviews(broker)).find((queue) => queue.name === name);
  if (!found) throw new QueueNotFoundError(name);
  return found;
}
