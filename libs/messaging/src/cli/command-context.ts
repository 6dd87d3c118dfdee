// What every command's action gets: the connected broker, the output, and the global flags; the broker is closed
// however the action ends.
import type { Command } from 'commander';
import type { MessageBroker } from '../driver/message-broker.js';
import { openBroker, type ConnectionFlags } from './connection.js';
import { Output } from './output.js';

export interface GlobalFlags extends ConnectionFlags {
  json?: boolean;
  yes?: boolean;
  progress?: boolean;
}

export interface CommandContext {
  broker: MessageBroker;
  out: Output;
  flags: GlobalFlags;
}

/** Runs `work` with a broker connected from the command's flags and environment. */
export async function withBroker(command: Command, work: (context: CommandContext) => Promise<void>): Promise<void> {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const out = new Output(flags.json ?? false);
  const broker = await openBroker(flags);
  try {
    await work({ broker, out, flags });
  } finally {
    await broker.close();
  }
}
