// `dlq list`, `dlq show` and `dlq delete`: the dead letters as an operator reads them, grouped or one by one.
import { Option, type Command } from 'commander';
import type { MessageDetail, MessageSummary } from '../driver/admin-types.js';
import { integerIn } from './arguments.js';
import { withBroker } from './command-context.js';
import { confirmDestructive } from './confirm.js';
import { addFilterOptions, filterOf, type FilterFlags } from './dead-letter-filter-options.js';
import { NotFoundError } from './exit-codes.js';
import { preview, type Output } from './output.js';

interface ListFlags extends FilterFlags {
  limit?: number;
  cursor?: string;
  newest?: boolean;
}

function printMessages(out: Output, messages: MessageSummary[], nextCursor: string | null): void {
  out.table(
    ['message id', 'routing key', 'died in', 'reason', 'attempts', 'died at', 'last error'],
    messages.map((m) => [m.messageId, m.routingKey, m.deaths[0]?.queue, m.deaths[0]?.reason, m.attempts, m.deaths[0]?.lastTime ?? m.publishedAt.toISOString(), preview(m.lastError ?? '', 50)]),
  );
  if (nextCursor) out.note(`More: --cursor ${nextCursor}`);
}

function printDetail(out: Output, message: MessageDetail): void {
  out.fields([
    ['message id', message.messageId],
    ['queue', message.queue],
    ['state', message.state],
    ['routing key', message.routingKey],
    ['attempts', message.attempts],
    ['published at', message.publishedAt.toISOString()],
    ['payload bytes', message.payloadBytes],
    ['last error', message.lastError],
    ['headers', Object.entries(message.headers).map(([name, value]) => `${name}: ${value}`).join('\n')],
  ]);
  out.line('Payload:');
  out.line(JSON.stringify(message.payload, null, 2));
  if (message.deaths.length > 0) {
    out.line('Deaths (most recent first):');
    out.table(
      ['queue', 'reason', 'count', 'first', 'last', 'error'],
      message.deaths.map((d) => [d.queue, d.reason, d.count, d.firstTime, d.lastTime, preview(d.lastError ?? '', 50)]),
    );
  }
}

export function registerDlqBrowseCommands(dlq: Command): void {
  addFilterOptions(
    dlq
      .command('list')
      .description("Dead letters grouped by dead-letter queue, source queue, reason and error type; with a queue, also its dead letters (a page)")
      .argument('[queue]', 'a dead-letter queue, or a queue whose dead letters to show')
      .addOption(new Option('--limit <n>', 'messages per page (default 50)').argParser(integerIn(1, 500)))
      .option('--cursor <cursor>', 'the next page, as the previous one said')
      .option('--newest', 'newest first (default oldest first)'),
  ).action((queue: string | undefined, options: ListFlags, command: Command) =>
    withBroker(command, async ({ broker, out }) => {
      const groups = await broker.deadLetterGroups(queue);
      const page = queue
        ? await broker.browseMessages(queue, {
            state: 'dead',
            ...filterOf(options),
            ...(options.limit !== undefined ? { limit: options.limit } : {}),
            ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
            order: options.newest ? 'newest' : 'oldest',
          })
        : undefined;
      out.result(page ? { groups, messages: page.messages, nextCursor: page.nextCursor } : { groups }, () => {
        out.table(
          ['dead-letter queue', 'died in', 'reason', 'error type', 'count', 'oldest', 'newest'],
          groups.map((g) => [g.deadLetterQueue, g.sourceQueue, g.reason, g.errorType, g.count, g.oldest.toISOString(), g.newest.toISOString()]),
        );
        if (page) printMessages(out, page.messages, page.nextCursor);
      });
    }),
  );

  dlq
    .command('show')
    .description('One dead letter: headers, payload and its death history (read without consuming it)')
    .argument('<dlq>', 'the dead-letter queue')
    .argument('<messageId>', 'the message id')
    .action((deadLetterQueue: string, messageId: string, _options: unknown, command: Command) =>
      withBroker(command, async ({ broker, out }) => {
        const message = await broker.getMessage(deadLetterQueue, messageId);
        if (!message) throw new NotFoundError(`No message ${JSON.stringify(messageId)} in ${deadLetterQueue}`);
        out.result(message, () => printDetail(out, message));
      }),
    );

  dlq
    .command('delete')
    .description('Delete one dead letter (asks first; --yes to skip)')
    .argument('<dlq>', 'the dead-letter queue')
    .argument('<messageId>', 'the message id')
    .action((deadLetterQueue: string, messageId: string, _options: unknown, command: Command) =>
      withBroker(command, async ({ broker, out, flags }) => {
        if (!(await broker.getMessage(deadLetterQueue, messageId))) throw new NotFoundError(`No message ${JSON.stringify(messageId)} in ${deadLetterQueue}`);
        await confirmDestructive({ yes: flags.yes ?? false, question: `Delete message ${messageId} from ${deadLetterQueue}?` });
        if (!(await broker.deleteMessage(deadLetterQueue, messageId))) {
          throw new NotFoundError(`Message ${JSON.stringify(messageId)} is no longer in ${deadLetterQueue}, or a consumer holds it: nothing was deleted`);
        }
        out.result({ deadLetterQueue, messageId, deleted: true }, () => out.line(`Deleted ${messageId} from ${deadLetterQueue}.`));
      }),
    );
}
