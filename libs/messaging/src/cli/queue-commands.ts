// `queues` and `queue show <name>`: what is waiting where, and how a queue is set up.
import type { Command } from 'commander';
import type { QueueInfo, QueueStats } from '../driver/broker-types.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { QueueNotFoundError } from '../errors.js';
import { withBroker } from './command-context.js';
import { age } from './output.js';

interface QueueRow {
  name: string;
  ready: number;
  delayed: number;
  leased: number;
  /** Messages in its dead-letter queue (null: it has none). */
  dead: number | null;
  oldestAgeSeconds: number;
  /** Consumers subscribed over every process. */
  consumers: number;
  paused: boolean;
  deadLetterQueue: string | null;
  bindings: string[];
}

/** The queues to list: all of them where the engine can list its topology, else those named on the command line. */
async function queuesToList(broker: MessageBroker, names: string[]): Promise<QueueInfo[]> {
  if (names.length > 0) return Promise.all(names.map((name) => broker.getQueue(name)));
  return broker.listQueues();
}

async function deadCount(broker: MessageBroker, info: QueueInfo): Promise<number | null> {
  const dlq = info.options.deadLetterQueue;
  if (dlq === null) return null;
  const stats = await broker.queueStats(dlq).catch((error: unknown) => (error instanceof QueueNotFoundError ? null : Promise.reject(error)));
  return stats ? total(stats) : null;
}

const total = (stats: QueueStats) => stats.ready + stats.delayed + stats.leased;

async function queueRows(broker: MessageBroker, infos: QueueInfo[]): Promise<QueueRow[]> {
  const depths = new Map((await broker.queueDepths()).map((depth) => [depth.queue, depth]));
  const consumers = await broker.consumerCounts();
  const paused = new Set(await broker.pausedQueues());
  const rows: QueueRow[] = [];
  for (const info of infos) {
    const depth = depths.get(info.name) ?? { ...(await broker.queueStats(info.name)), oldestAgeSeconds: 0 };
    rows.push({
      name: info.name,
      ready: depth.ready,
      delayed: depth.delayed,
      leased: depth.leased,
      dead: await deadCount(broker, info),
      oldestAgeSeconds: depth.oldestAgeSeconds,
      consumers: consumers[info.name] ?? 0,
      paused: paused.has(info.name),
      deadLetterQueue: info.options.deadLetterQueue,
      bindings: info.bindings,
    });
  }
  return rows;
}

export function registerQueueCommands(program: Command): void {
  program
    .command('queues')
    .description('List the queues with their depth by state and their dead letters')
    .argument('[names...]', 'only these queues (needed on a driver that cannot list its topology: RabbitMQ)')
    .action((names: string[], _options: unknown, command: Command) =>
      withBroker(command, async ({ broker, out }) => {
        if (names.length === 0 && !broker.capabilities.topologyIntrospection) {
          out.note('This driver cannot list queues or read bindings (AMQP has no such call): name the queues, e.g. `pg-messaging queues orders payments`.');
        }
        const rows = await queueRows(broker, await queuesToList(broker, names));
        out.result(rows, () =>
          out.table(
            ['queue', 'ready', 'delayed', 'leased', 'dead', 'oldest', 'consumers', 'paused', 'bindings'],
            rows.map((row) => [row.name, row.ready, row.delayed, row.leased, row.dead ?? '-', age(row.oldestAgeSeconds), row.consumers, row.paused ? 'yes' : '', row.bindings.join(' ')]),
          ),
        );
      }),
    );

  const queue = program.command('queue').description('One queue');
  queue
    .command('show')
    .description("A queue's depth, options, bindings and dead-letter queue")
    .argument('<name>', 'the queue')
    .action((name: string, _options: unknown, command: Command) =>
      withBroker(command, async ({ broker, out }) => {
        const info = await broker.getQueue(name);
        const [row] = await queueRows(broker, [info]);
        const stats = await broker.queueStats(name);
        const detail = { ...row, leaseExpired: stats.leaseExpired, options: info.options, createdAt: info.createdAt, topologyKnown: broker.capabilities.topologyIntrospection };
        out.result(detail, () => {
          out.fields([
            ['queue', row.name],
            ['ready', row.ready],
            ['delayed', row.delayed],
            ['leased', row.leased],
            ['lease expired', stats.leaseExpired],
            ['oldest', age(row.oldestAgeSeconds)],
            ['dead-letter queue', row.deadLetterQueue ?? '(none: exhausted messages are dropped)'],
            ['dead letters', row.dead ?? '-'],
            ['consumers', row.consumers],
            ['paused', row.paused ? 'yes' : 'no'],
            ['bindings', row.bindings.join('\n')],
            ...Object.entries(info.options).filter(([key]) => key !== 'deadLetterQueue').map(([key, value]): [string, string] => [key, String(value)]),
          ]);
          if (!broker.capabilities.topologyIntrospection) out.note('This driver reports options and bindings it declared itself only: these are the defaults.');
        });
      }),
    );
}
