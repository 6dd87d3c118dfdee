// The CLI's entry: runs one command and turns its outcome into an exit code (bin/pg-messaging.js calls it).
import { CommanderError } from 'commander';
import { EXIT, errorLine, exitCodeOf, type ExitCode } from './exit-codes.js';
import { buildProgram } from './program.js';

/** Runs the command in `argv` (process.argv form); resolves to the exit code, never throws. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  try {
    await buildProgram().parseAsync([...argv]);
    return EXIT.ok;
  } catch (error) {
    // Commander already printed its own usage errors (and help) on stderr.
    if (!(error instanceof CommanderError)) process.stderr.write(`pg-messaging: ${errorLine(error)}\n`);
    return exitCodeOf(error);
  }
}
