// `dlq redrive` and `dlq purge`: send dead letters back, or drop them.
import { Option, type Command } from 'commander';
import type { MessageBroker } from '../driver/message-broker.js';
import { integerIn } from './arguments.js';
import { redriveInBatches } from './batched-redrive.js';
import { withBroker } from './command-context.js';
import { confirmDestructive } from './confirm.js';
import { startProgress } from './progress.js';

interface RedriveFlags {
  to?: string;
  rate?: number;
  limit?: number;
}

/** The dead letters a queue holds now (its depth: ready and delayed; none is leased unless someone consumes it). */
async function depthOf(broker: MessageBroker, queue: string): Promise<number> {
  const stats = await broker.queueStats(queue);
  return stats.ready + stats.delayed + stats.leased;
}

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description('Dead-letter queues');

  dlq
    .command('redrive')
    .description('Move dead letters back to the queue they died in (or --to another), with a fresh attempt count')
    .argument('<dlq>', 'the dead-letter queue, e.g. orders.dlq')
    .option('--to <queue>', 'send them all to this queue instead')
    .addOption(new Option('--rate <n>', 'at most n messages a second').argParser(integerIn(1, 100_000)))
    .addOption(new Option('--limit <n>', 'move at most n (oldest first)').argParser(integerIn(1, Number.MAX_SAFE_INTEGER)))
    .action((deadLetterQueue: string, options: RedriveFlags, command: Command) =>
      withBroker(command, async ({ broker, out, flags }) => {
        const waiting = await depthOf(broker, deadLetterQueue);
        const cap = Math.min(waiting, options.limit ?? waiting);
        if (options.limit === undefined) {
          await confirmDestructive({ yes: flags.yes ?? false, question: `Redrive all ${waiting} dead letters of ${deadLetterQueue}${options.to ? ` to ${options.to}` : ''}?` });
        }
        const progress = startProgress(`Redriving ${deadLetterQueue}`, cap, { force: flags.progress ?? false });
        let moved: number;
        try {
          moved = await redriveInBatches(broker, { deadLetterQueue, select: options.to ? { to: options.to } : {}, cap, ratePerSecond: options.rate }, progress);
        } finally {
          progress.stop();
        }
        const result = { deadLetterQueue, to: options.to ?? null, moved, left: await depthOf(broker, deadLetterQueue) };
        out.result(result, () => out.table(['dead-letter queue', 'to', 'moved', 'left'], [[deadLetterQueue, options.to ?? '(where each died)', moved, result.left]]));
      }),
    );

  dlq
    .command('purge')
    .description('Delete every dead letter of a dead-letter queue (asks first; --yes to skip)')
    .argument('<dlq>', 'the dead-letter queue')
    .action((deadLetterQueue: string, _options: unknown, command: Command) =>
      withBroker(command, async ({ broker, out, flags }) => {
        const waiting = await depthOf(broker, deadLetterQueue);
        await confirmDestructive({ yes: flags.yes ?? false, question: `Purge ${waiting} dead letters from ${deadLetterQueue}?`, expected: deadLetterQueue });
        // Both engines purge in one atomic step (a DELETE, AMQP queue.purge): the bar can only go from 0 to done.
        const progress = startProgress(`Purging ${deadLetterQueue}`, waiting, { force: flags.progress ?? false });
        let purged: number;
        try {
          purged = await broker.purge(deadLetterQueue);
          progress.update(purged, Math.max(waiting, purged));
        } finally {
          progress.stop();
        }
        out.result({ deadLetterQueue, purged }, () => out.table(['dead-letter queue', 'purged'], [[deadLetterQueue, purged]]));
      }),
    );
}
