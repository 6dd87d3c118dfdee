// `publish <routingKey> <payload>`: one message through the exchange, routed by the bindings like any other.
import { Option, type Command } from 'commander';
import { MAX_DELAY_MS } from '../limits.js';
import { integerIn, header, readPayload } from './arguments.js';
import { withBroker } from './command-context.js';

interface PublishFlags {
  header?: Record<string, string>;
  delay?: number;
  messageId?: string;
}

export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description('Publish one message; it goes to every queue whose binding matches the routing key')
    .argument('<routingKey>', 'e.g. order.created')
    .argument('<payload>', "the payload as JSON ('{\"id\":1}'), @file for a JSON file, or - for JSON on stdin")
    .addOption(new Option('--header <name=value>', 'a header (repeatable)').argParser(header))
    .addOption(new Option('--delay <ms>', 'deliver no sooner than this many ms from now').argParser(integerIn(0, MAX_DELAY_MS)))
    .option('--message-id <id>', 'the message id (default: a random UUID); consumers deduplicate on it')
    .action((routingKey: string, source: string, options: PublishFlags, command: Command) => {
      const payload = readPayload(source); // a bad payload is a usage error before any connection is made
      return withBroker(command, async ({ broker, out }) => {
        const result = await broker.publish({
          routingKey,
          payload,
          ...(options.header ? { headers: options.header } : {}),
          ...(options.delay !== undefined ? { delayMs: options.delay } : {}),
          ...(options.messageId !== undefined ? { messageId: options.messageId } : {}),
        });
        const published = { messageId: result.messageIds[0], routingKey, copies: result.copies };
        out.result(published, () => out.table(['message id', 'routing key', 'copies'], [[published.messageId, routingKey, result.copies]]));
      });
    });
}
