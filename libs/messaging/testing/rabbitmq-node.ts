import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/** A RabbitMQ node of the test's own: its name, ports and directory, apart from the machine's node. */
export interface RabbitMqNodeSpec {
  /** `pgm-clu-x1y2-1@localhost`. */
  name: string;
  amqpPort: number;
  distPort: number;
  /** Holds the node's mnesia, log, config and enabled-plugins files. */
  dir: string;
  /** HOME of the node and of the CLI calls to it: its `.erlang.cookie` is the cluster's shared cookie. */
  home: string;
}

/**
 * The directory of RabbitMQ's real scripts (rabbitmq-server, rabbitmqctl, rabbitmq-queues), or undefined when
 * RabbitMQ is not installed. RABBITMQ_SCRIPTS_DIR wins. Debian's /usr/sbin/rabbitmq-server is a wrapper that, run by
 * root, switches to the rabbitmq user (who cannot read the test's directory, and whose HOME holds the machine
 * node's cookie) and, run by that user, writes into the machine node's startup log: the wrapper names the real
 * scripts' directory, and that is what is used.
 */
export function rabbitMqScriptsDir(): string | undefined {
  if (process.env.RABBITMQ_SCRIPTS_DIR) return process.env.RABBITMQ_SCRIPTS_DIR;
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'rabbitmq-server')).find((file) => existsSync(file));
  if (!onPath) return undefined;
  const real = realpathSync(onPath);
  const wrapped = /(\/[^\s"']+)\/\$\{SCRIPT\}/.exec(readFileSync(real, 'utf8'))?.[1];
  return wrapped && existsSync(join(wrapped, 'rabbitmq-server')) ? wrapped : dirname(real);
}

/** One RabbitMQ node process started by a test (the cluster helper starts three). */
export class RabbitMqNode {
  private process?: ChildProcess;
  private exited = true;

  constructor(
    readonly spec: RabbitMqNodeSpec,
    private readonly scriptsDir: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.spec.amqpPort}`;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Starts the node and resolves once it accepts AMQP connections and `await_startup` returns. */
  async start(timeoutMs: number): Promise<void> {
    const { dir } = this.spec;
    for (const sub of ['mnesia', 'log']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'rabbitmq.conf'), 'log.console = false\n');
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    const output = openSync(join(dir, 'stdout.log'), 'a');
    // detached: the script, its beam and erl_child_setup form one process group that stop() kills at once.
    this.process = spawn(join(this.scriptsDir, 'rabbitmq-server'), [], { env: this.env(), detached: true, stdio: ['ignore', output, output] });
    closeSync(output); // the child has its own copy
    this.exited = false;
    this.process.once('exit', () => (this.exited = true));
    await waitFor(async () => this.exited || (await acceptsConnections(this.spec.amqpPort)), { timeoutMs, intervalMs: 200, what: `${this.name} to listen on ${this.spec.amqpPort}` });
    if (this.exited) throw new Error(`RabbitMQ node ${this.name} exited while booting:\n${this.output()}`);
    await this.ctl(['await_startup', '--timeout', String(Math.ceil(timeoutMs / 1000))]);
  }

  /** Runs `rabbitmqctl -n <node> …` and returns its stdout. */
  async ctl(args: readonly string[]): Promise<string> {
    return this.cli('rabbitmqctl', args);
  }

  /** Runs `rabbitmq-queues -n <node> …` and returns its stdout. */
  async queues(args: readonly string[]): Promise<string> {
    return this.cli('rabbitmq-queues', args);
  }

  /** The OS pid of the node's Erlang VM (beam.smp): from its pid file, or by asking the node. */
  async beamPid(): Promise<number> {
    const file = join(this.spec.dir, 'mnesia', `${this.name}.pid`);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : await this.ctl(['eval', 'os:getpid().']);
    const pid = Number(text.replace(/[^0-9]/g, ''));
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`No pid for RabbitMQ node ${this.name}: ${JSON.stringify(text)}`);
    return pid;
  }

  /** SIGKILLs the node's Erlang VM (a crash: nothing is flushed, no peer is told) and waits until it is gone. */
  async kill(): Promise<number> {
    const pid = await this.beamPid();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => this.exited, { timeoutMs: 10_000, what: `${this.name}'s script to exit after the kill` });
    return pid;
  }

  /** Kills whatever of the node still runs (the whole process group); the cluster helper removes the directory. */
  async stop(): Promise<void> {
    if (this.exited || !this.process?.pid) return;
    try {
      process.kill(-this.process.pid, 'SIGKILL');
    } catch {
      // Already gone between the check and the kill.
    }
    await waitFor(() => this.exited, { timeoutMs: 10_000, what: `${this.name} to stop` });
  }

  /** For exit handlers: kills the process group without waiting. */
  killNow(): void {
    if (this.exited || !this.process?.pid) return;
    try {
      process.kill(-this.process.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** The node's console output so far (boot failures are explained there). */
  output(): string {
    const file = join(this.spec.dir, 'stdout.log');
    return existsSync(file) ? readFileSync(file, 'utf8').slice(-4_000) : '';
  }

  private async cli(script: string, args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await run(join(this.scriptsDir, script), ['-n', this.name, ...args], { env: this.env(), timeout: 60_000 });
      return stdout;
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${script} -n ${this.name} ${args.join(' ')} failed: ${(stderr || stdout || String(error)).trim()}`);
    }
  }

  private env(): NodeJS.ProcessEnv {
    const { dir, name, amqpPort, distPort, home } = this.spec;
    return {
      ...process.env,
      HOME: home,
      // The machine's rabbitmq-env.conf names the machine's node (NODENAME=rabbit@…): this node reads an empty one.
      RABBITMQ_CONF_ENV_FILE: join(home, 'rabbitmq-env.conf'),
      RABBITMQ_NODENAME: name,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
  }
}

async function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
