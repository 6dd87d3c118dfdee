// `dlq redrive` and `dlq purge`: send dead letters back, or drop them (`dlq list|show|delete` read them).
import { Option, type Command } from 'commander';
import type { DeadLetterFilter } from '../driver/admin-types.js';
import type { RedriveOptions } from '../driver/broker-types.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { idList, integerIn } from './arguments.js';
import { redriveInBatches } from './batched-redrive.js';
import { withBroker, type CommandContext } from './command-context.js';
import { confirmDestructive } from './confirm.js';
import { addFilterOptions, filterOf, type FilterFlags } from './dead-letter-filter-options.js';
import { registerDlqBrowseCommands } from './dlq-browse-commands.js';
import { startProgress } from './progress.js';

interface RedriveFlags extends FilterFlags {
  to?: string;
  rate?: number;
  limit?: number;
  ids?: string[];
}

/** How many dead letters match the filter now: counted over browse pages (the cap of a filtered redrive). */
async function matching(broker: MessageBroker, queue: string, filter: DeadLetterFilter): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await broker.browseMessages(queue, { state: 'dead', ...filter, limit: 500, ...(cursor ? { cursor } : {}) });
    count += page.messages.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

/** The dead letters a queue holds now (its depth: ready and delayed; none is leased unless someone consumes it). */
async function depthOf(broker: MessageBroker, queue: string): Promise<number> {
  const stats = await broker.queueStats(queue);
  return stats.ready + stats.delayed + stats.leased;
}

/** All dead letters (confirmed first), those named, or those matching a filter; in batches with a progress bar. */
async function redriveDeadLetters({ broker, out, flags }: CommandContext, deadLetterQueue: string, options: RedriveFlags): Promise<void> {
  const filter = filterOf(options);
  const select: Omit<RedriveOptions, 'limit' | 'ratePerSecond'> = {
    ...(options.to ? { to: options.to } : {}),
    ...(options.ids ? { messageIds: options.ids } : {}),
    ...(filter ? { filter } : {}),
  };
  const waiting = options.ids ? options.ids.length : filter ? await matching(broker, deadLetterQueue, filter) : await depthOf(broker, deadLetterQueue);
  const cap = Math.min(waiting, options.limit ?? waiting);
  if (!options.ids && !filter && options.limit === undefined) {
    await confirmDestructive({ yes: flags.yes ?? false, question: `Redrive all ${waiting} dead letters of ${deadLetterQueue}${options.to ? ` to ${options.to}` : ''}?` });
  }
  const progress = startProgress(`Redriving ${deadLetterQueue}`, cap, { force: flags.progress ?? false });
  let moved: number;
  try {
    moved = await redriveInBatches(broker, { deadLetterQueue, select, cap, ratePerSecond: options.rate }, progress);
  } finally {
    progress.stop();
  }
  const result = { deadLetterQueue, to: options.to ?? null, moved, left: await depthOf(broker, deadLetterQueue) };
  out.result(result, () => out.table(['dead-letter queue', 'to', 'moved', 'left'], [[deadLetterQueue, options.to ?? '(where each died)', moved, result.left]]));
}

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description('Dead-letter queues');
  registerDlqBrowseCommands(dlq);

  const redrive = dlq
    .command('redrive')
    .description('Move dead letters back to the queue they died in (or --to another), with a fresh attempt count; all of them (asks first), --ids, or a filter')
    .argument('<dlq>', 'the dead-letter queue, e.g. orders.dlq')
    .option('--to <queue>', 'send them all to this queue instead')
    .addOption(new Option('--ids <a,b>', 'only these message ids').argParser(idList))
    .addOption(new Option('--rate <n>', 'at most n messages a second').argParser(integerIn(1, 100_000)))
    .addOption(new Option('--limit <n>', 'move at most n (oldest first)').argParser(integerIn(1, Number.MAX_SAFE_INTEGER)));
  addFilterOptions(redrive).action((deadLetterQueue: string, options: RedriveFlags, command: Command) =>
    withBroker(command, (context) => redriveDeadLetters(context, deadLetterQueue, options)),
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
