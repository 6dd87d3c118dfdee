// The guard in front of destructive commands: --yes, or a person at a terminal who types the answer asked for.
import { createInterface } from 'node:readline/promises';
import { RefusedError } from './exit-codes.js';

export interface ConfirmOptions {
  /** --yes was given. */
  yes: boolean;
  /** What is about to happen, as a question: "Purge 12 messages from orders.dlq?". */
  question: string;
  /** The answer that confirms (the queue's name for a purge, as the admin API asks); default "y". */
  expected?: string;
}

/**
 * Resolves when confirmed; throws RefusedError otherwise. Without a terminal on stdin and stderr (a script, CI) and
 * without --yes it refuses at once instead of waiting on input that will never come.
 */
export async function confirmDestructive({ yes, question, expected = 'y' }: ConfirmOptions): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new RefusedError(`${question} Refused: not confirmed (pass --yes; there is no terminal to ask on). Nothing was changed.`);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const hint = expected === 'y' ? '[y/N]' : `type ${JSON.stringify(expected)} to confirm`;
    const answer = (await prompt.question(`${question} ${hint}: `)).trim();
    const confirmed = expected === 'y' ? /^(y|yes)$/i.test(answer) : answer === expected;
    if (!confirmed) throw new RefusedError('Not confirmed. Nothing was changed.');
  } finally {
    prompt.close();
  }
}
