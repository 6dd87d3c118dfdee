// The dead-letter filter flags `dlq list` and `dlq redrive` share, as the driver's DeadLetterFilter.
import { Option, type Command } from 'commander';
import type { DeadLetterFilter } from '../driver/admin-types.js';

export interface FilterFlags {
  routingKey?: string;
  error?: string;
  reason?: DeadLetterFilter['reason'];
  source?: string;
}

const REASONS = ['rejected', 'expired', 'maxlen', 'delivery_limit'] as const satisfies readonly NonNullable<DeadLetterFilter['reason']>[];

export function addFilterOptions(command: Command): Command {
  return command
    .option('--routing-key <pattern>', "only routing keys matching this topic pattern ('order.*', 'order.#')")
    .option('--error <text>', 'only those whose last error contains this text (any case)')
    .addOption(new Option('--reason <reason>', 'only those whose latest death had this reason').choices(REASONS))
    .option('--source <queue>', 'only those that died in this queue');
}

/** The filter the flags give, or undefined when none was given. */
export function filterOf(flags: FilterFlags): DeadLetterFilter | undefined {
  const filter: DeadLetterFilter = {
    ...(flags.routingKey !== undefined ? { routingKey: flags.routingKey } : {}),
    ...(flags.error !== undefined ? { errorText: flags.error } : {}),
    ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
    ...(flags.source !== undefined ? { sourceQueue: flags.source } : {}),
  };
  return Object.keys(filter).length > 0 ? filter : undefined;
}
