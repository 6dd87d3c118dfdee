// The `pg-messaging` command line: global flags, the command families, and how usage errors surface.
import { Command, Option } from 'commander';
import { MESSAGING_DRIVERS } from '../connect-broker.js';
import { registerDlqCommands } from './dlq-commands.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { registerPauseCommands } from './pause-commands.js';
import { registerPublishCommand } from './publish-command.js';
import { registerQueueCommands } from './queue-commands.js';
import { registerTailCommand } from './tail-command.js';

const ENVIRONMENT_HELP = `
Connection (flags win over the environment):
  MESSAGING_DRIVER   postgres (default) or rabbitmq            --driver
  DATABASE_URL       the broker's PostgreSQL database           --database-url, --schema (default messaging)
  RABBITMQ_URL       amqp://user:password@host:5672/vhost       --rabbitmq-url, --exchange (default messaging)`;

export function buildProgram(): Command {
  const program = new Command('pg-messaging')
    .description('Operate the message broker: queues, dead letters, publish, pause, tail')
    .addOption(new Option('--driver <driver>', 'the broker engine (env MESSAGING_DRIVER)').choices(MESSAGING_DRIVERS))
    .option('--database-url <url>', "the broker's PostgreSQL URL (env DATABASE_URL)")
    .option('--schema <schema>', 'the schema holding the broker tables (postgres; default messaging)')
    .option('--rabbitmq-url <url>', 'the AMQP URL (env RABBITMQ_URL)')
    .option('--exchange <name>', 'the topic exchange (rabbitmq; env RABBITMQ_EXCHANGE, default messaging)')
    .option('--json', 'print JSON for scripts: one document (tail: one JSON line per message)')
    .option('-y, --yes', 'do destructive commands without asking')
    .option('--progress', 'draw progress bars on stderr even when it is not a terminal')
    .option('--verbose', "print the broker's warnings on stderr")
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `${ENVIRONMENT_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride();
  registerQueueCommands(program);
  registerDlqCommands(program);
  registerPublishCommand(program);
  registerPauseCommands(program);
  registerTailCommand(program);
  // Every subcommand throws instead of exiting (main maps errors to exit codes) and lists the exit codes too.
  const configure = (command: Command) => {
    for (const sub of command.commands) {
      sub.exitOverride().showHelpAfterError('(run with --help for usage)').addHelpText('after', EXIT_CODES_HELP);
      configure(sub);
    }
  };
  configure(program);
  return program;
}
