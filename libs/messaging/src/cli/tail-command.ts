// `tail <queue>`: follow the messages arriving at a queue without taking any from its consumers.
//
// How: a temporary queue of our own, bound with the queue's bindings, consumed and acked here and deleted on exit.
// Each new message is routed to it as a copy, so the real queue and its consumers see no difference. Browsing the
// real queue in a poll was the other way, and worse on both engines: on PostgreSQL a message acked between two polls
// (most of them, with live consumers) is never seen; on RabbitMQ a browse is basic.get + requeue, which counts a
// delivery on the real message and can push it over its delivery limit. What the copy cannot see: messages sent
// straight to the queue, not through the exchange (replies, redrives).
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { MessageBroker } from '../driver/message-broker.js';
import { InvalidArgumentError } from '../errors.js';
import type { Delivery } from '../message.js';
import { collect, integerIn } from './arguments.js';
import { withBroker, type CommandContext } from './command-context.js';
import { preview, type Output } from './output.js';

interface TailFlags {
  pattern?: string[];
  count?: number;
}

const TAIL_QUEUE_PREFIX = 'cli-tail.';

/** The tail queue's name: says what it is and whose, so an operator who finds one left by a killed tail knows. */
function tailQueueName(queue: string): string {
  return `${TAIL_QUEUE_PREFIX}${queue.slice(0, 80)}.${randomBytes(4).toString('hex')}`;
}

/** A tail queue this old with no consumer in any process was left by a tail that was killed (SIGKILL, a crash). */
const ABANDONED_AFTER_MS = 60_000;

/**
 * Deletes the tail queues killed tails left behind (they keep collecting copies). Only where the engine lists its
 * queues; a live tail is safe: it consumes from its first second, and consumer counts are seconds old at most.
 */
async function deleteAbandonedTails(broker: MessageBroker, out: Output): Promise<void> {
  if (!broker.capabilities.topologyIntrospection) return;
  const consumers = await broker.consumerCounts();
  const abandoned = (await broker.listQueues()).filter(
    (q) => q.name.startsWith(TAIL_QUEUE_PREFIX) && (consumers[q.name] ?? 0) === 0 && Date.now() - q.createdAt.getTime() > ABANDONED_AFTER_MS,
  );
  for (const { name } of abandoned) {
    const dropped = await broker.deleteQueue(name).catch(() => null);
    if (dropped !== null) out.note(`Deleted ${name}, left by a tail that did not stop cleanly (${dropped} message${dropped === 1 ? '' : 's'} in it).`);
  }
}

async function bindingsToCopy(broker: MessageBroker, queue: string, patterns: string[] | undefined): Promise<string[]> {
  const info = await broker.getQueue(queue); // QueueNotFoundError (exit 3) for a queue that is not there
  if (patterns && patterns.length > 0) return patterns;
  if (!broker.capabilities.topologyIntrospection) {
    throw new InvalidArgumentError(`This driver cannot read ${queue}'s bindings (AMQP has no such call): give them with --pattern, e.g. --pattern 'order.*'`, { queue });
  }
  if (info.bindings.length === 0) throw new InvalidArgumentError(`${queue} has no bindings: nothing published through the exchange reaches it`, { queue });
  return info.bindings;
}

function printer(out: Output, queue: string): (delivery: Delivery) => void {
  if (out.json) {
    return (d) => out.jsonLine({ queue, messageId: d.messageId, routingKey: d.routingKey, publishedAt: d.publishedAt, headers: d.headers, payload: d.payload });
  }
  return (d) => out.line(`${d.publishedAt.toISOString()}  ${d.routingKey}  ${d.messageId}  ${preview(d.payload, 100)}`);
}

/** Resolves on the first SIGINT/SIGTERM/SIGHUP, or once `count` messages were printed. */
function untilStopped(): { stopped: Promise<void>; stop: () => void } {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.once(signal, stop);
  void stopped.then(() => signals.forEach((signal) => process.off(signal, stop)));
  return { stopped, stop };
}

async function tail({ broker, out }: CommandContext, queue: string, options: TailFlags): Promise<void> {
  const patterns = await bindingsToCopy(broker, queue, options.pattern);
  await deleteAbandonedTails(broker, out);
  const name = tailQueueName(queue);
  const { stopped, stop } = untilStopped();
  const print = printer(out, queue);
  let seen = 0;
  // One attempt and no dead-letter queue: the copy is only for reading, and a failure here must not raise alerts.
  await broker.declareQueue(name, { deadLetterQueue: null, maxAttempts: 1 });
  try {
    for (const pattern of patterns) await broker.bindQueue(name, pattern);
    const consumer = await broker.consume(name, (delivery) => {
      if (options.count !== undefined && seen >= options.count) return;
      print(delivery);
      if (++seen === options.count) stop();
    }, { concurrency: 1 });
    out.note(`Following ${queue} (${patterns.join(', ')}) through ${name}; Ctrl-C to stop.`);
    await stopped;
    await consumer.stop();
  } finally {
    await broker.deleteQueue(name).catch((error: unknown) => out.note(`Could not delete ${name}: ${(error as Error).message}; delete it by hand`));
  }
}

export function registerTailCommand(program: Command): void {
  program
    .command('tail')
    .description('Print the messages arriving at a queue from now on, without taking them from its consumers (Ctrl-C stops)')
    .argument('<queue>', 'the queue to follow')
    .addOption(new Option('--pattern <pattern>', "follow these binding patterns instead of the queue's own (repeatable; required on RabbitMQ)").argParser(collect))
    .addOption(new Option('--count <n>', 'stop after n messages').argParser(integerIn(1, Number.MAX_SAFE_INTEGER)))
    .action((queue: string, options: TailFlags, command: Command) => withBroker(command, (context) => tail(context, queue, options)));
}
