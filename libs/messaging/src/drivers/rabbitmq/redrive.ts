import type { GetMessage } from 'amqplib';
import type { RedriveOptions } from '../../driver/broker-types.js';
import { QueueNotFoundError } from '../../errors.js';
import { assertKnownFields } from '../../validation/fields.js';
import { assertQueueName } from '../../validation/names.js';
import { assertIntegerInRange } from '../../validation/numbers.js';
import type { ConfirmPublisher } from './confirm-channel.js';
import type { ConnectionManager } from './connection.js';
import { matchesFilter } from '../../core/message-filter.js';
import { resolveRedriveSelection } from '../../validation/browse-query.js';
import { copyProperties, deathsOf, lastErrorOf, PRIOR_ATTEMPTS_HEADER, routingKeyOf } from './message-codec.js';
import type { Topology } from './topology.js';

const REDRIVE_OPTIONS: ReadonlySet<string> = new Set(['to', 'limit', 'ratePerSecond', 'messageIds', 'filter']);
const BATCH = 100;

/**
 * Moves dead letters back: each to the queue its latest death names (x-death), or all to `to`, with a fresh
 * attempt count and the death history kept. Messages are taken with basic.get, copied with a confirm, and acked
 * only after the confirm (a crash duplicates, never loses). A dead letter whose origin is unknown or gone stays, and
 * so does one `messageIds` or `filter` leaves out (held until the end, then given back in its place).
 */
export async function redrive(
  connection: ConnectionManager,
  topology: Topology,
  publisher: ConfirmPublisher,
  deadLetterQueue: string,
  options: RedriveOptions = {},
): Promise<number> {
  assertQueueName(deadLetterQueue);
  assertKnownFields(options, REDRIVE_OPTIONS, 'the redrive options');
  if (options.to !== undefined) assertQueueName(options.to);
  const limit = options.limit === undefined ? Number.MAX_SAFE_INTEGER : assertIntegerInRange('limit', options.limit, 1, Number.MAX_SAFE_INTEGER);
  if (options.ratePerSecond !== undefined) assertIntegerInRange('ratePerSecond', options.ratePerSecond, 1, 100_000);
  const selection = resolveRedriveSelection(options);
  const ids = selection.messageIds ? new Set(selection.messageIds) : null;
  const selected = (message: GetMessage) => {
    const deaths = deathsOf(message);
    const fields = { messageId: message.properties.messageId ?? '', routingKey: routingKeyOf(message), lastError: lastErrorOf(message) ?? deaths[0]?.lastError ?? null, deaths };
    return matchesFilter(selection, fields, ids);
  };
  await topology.assertExists(deadLetterQueue);
  if (options.to !== undefined) await topology.assertExists(options.to);
  const exists = new Map<string, boolean>();
  const destinationExists = async (queue: string) => {
    if (!exists.has(queue)) {
      exists.set(queue, await topology.assertExists(queue).then(() => true, (error: unknown) => (error instanceof QueueNotFoundError ? false : Promise.reject(error))));
    }
    return exists.get(queue) as boolean;
  };
  const tracked = await connection.openChannel();
  let moved = 0;
  try {
    const batchSize = Math.min(BATCH, options.ratePerSecond ?? BATCH);
    while (moved < limit) {
      const started = Date.now();
      const batch: { message: GetMessage; destination: string }[] = [];
      let empty = false;
      while (batch.length < Math.min(batchSize, limit - moved)) {
        const message = await tracked.channel.get(deadLetterQueue, { noAck: false });
        if (message === false) {
          empty = true;
          break;
        }
        const destination = options.to ?? deathsOf(message)[0]?.queue;
        if (destination && selected(message) && (await destinationExists(destination))) batch.push({ message, destination });
        // else: left unacked, it goes back when the channel closes
      }
      if (batch.length > 0) {
        const returned = await publisher.send(
          batch.map(({ message, destination }) => ({
            exchange: '',
            routingKey: destination,
            content: message.content,
            options: copyProperties(message, { [PRIOR_ATTEMPTS_HEADER]: undefined }),
          })),
        );
        batch.forEach(({ message }, i) => {
          if (!returned[i]) {
            tracked.channel.ack(message);
            moved++;
          }
        });
      }
      if (empty || batch.length === 0) break;
      if (options.ratePerSecond !== undefined) {
        const due = (batch.length / options.ratePerSecond) * 1000 - (Date.now() - started);
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      }
    }
  } finally {
    await tracked.close();
  }
  return moved;
}
