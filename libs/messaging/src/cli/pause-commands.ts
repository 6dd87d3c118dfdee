// `pause` and `resume`: stop and restart a queue's consumers in every process (publishing goes on).
import type { Command } from 'commander';
import { withBroker } from './command-context.js';

export function registerPauseCommands(program: Command): void {
  for (const [name, paused] of [['pause', true], ['resume', false]] as const) {
    program
      .command(name)
      .description(paused ? "Stop a queue's consumers in every process within a second (running handlers finish)" : "Let a paused queue's consumers take messages again")
      .argument('<queue>', 'the queue')
      .action((queue: string, _options: unknown, command: Command) =>
        withBroker(command, async ({ broker, out }) => {
          await broker.getQueue(queue); // a queue that does not exist is exit 3, not a pause of nothing
          await (paused ? broker.pauseQueue(queue) : broker.resumeQueue(queue));
          out.result({ queue, paused }, () => out.line(`${queue} ${paused ? 'paused' : 'resumed'}.`));
        }),
      );
  }
}
