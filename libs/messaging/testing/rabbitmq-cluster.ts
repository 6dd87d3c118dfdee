import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { RabbitMqNode, rabbitMqScriptsDir } from './rabbitmq-node.js';

export { RabbitMqNode, rabbitMqScriptsDir, type RabbitMqNodeSpec } from './rabbitmq-node.js';

export interface RabbitMqClusterOptions {
  /** Nodes in the cluster. */
  size?: number;
  /** Node names are `<prefix>-<random>-<n>@localhost`: never the machine's `rabbit@<host>`. */
  namePrefix?: string;
  /** Per node boot. */
  bootTimeoutMs?: number;
}

export const RABBITMQ_CLUSTER_DEFAULTS = { size: 3, namePrefix: 'pgm-clu', bootTimeoutMs: 60_000 } satisfies Required<RabbitMqClusterOptions>;

/** Where a quorum queue's Raft members are, as the nodes report it. */
export interface QuorumPlacement {
  leader: string;
  members: string[];
  online: string[];
  messages: number;
}

/** Nodes started by the test, clustered, in a temporary directory that stop() removes. */
export interface RabbitMqCluster {
  readonly nodes: readonly RabbitMqNode[];
  /** Seconds the nodes took to boot (together, in parallel) and then to join one by one. */
  readonly startSeconds: { boot: number; join: number };
  node(name: string): RabbitMqNode;
  /** The quorum queue's leader and members, asked of `via` (default: the first running node). */
  quorumPlacement(queue: string, via?: RabbitMqNode): Promise<QuorumPlacement>;
  /** Kills every node and removes the directory; safe to call twice and after a failed start. */
  stop(): Promise<void>;
}

/**
 * Starts `size` RabbitMQ nodes on this machine (own names, AMQP and distribution ports, mnesia, logs, config and
 * plugins files, one Erlang cookie) and clusters them the manual way: `stop_app; join_cluster <first>; start_app`
 * on each node after the first. Throws with the node's output if one does not come up; the nodes started so far
 * are stopped first. An exit handler kills the nodes should the process end before stop().
 */
export async function startRabbitMqCluster(options: RabbitMqClusterOptions = {}): Promise<RabbitMqCluster> {
  const { size, namePrefix, bootTimeoutMs } = { ...RABBITMQ_CLUSTER_DEFAULTS, ...options };
  const scriptsDir = rabbitMqScriptsDir();
  if (!scriptsDir) throw new Error('rabbitmq-server is not on PATH (or RABBITMQ_SCRIPTS_DIR): cannot start cluster nodes');
  const root = mkdtempSync(join(tmpdir(), `${namePrefix}-`));
  const home = join(root, 'home');
  mkdirSync(home);
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(20).toString('hex').toUpperCase());
  chmodSync(join(home, '.erlang.cookie'), 0o400);
  writeFileSync(join(home, 'rabbitmq-env.conf'), '');

  const tag = randomBytes(3).toString('hex');
  const nodes: RabbitMqNode[] = [];
  for (let n = 1; n <= size; n++) {
    const spec = { name: `${namePrefix}-${tag}-${n}@localhost`, amqpPort: await freePort(), distPort: await freePort(), dir: join(root, `node-${n}`), home };
    nodes.push(new RabbitMqNode(spec, scriptsDir));
  }
  const killOnExit = () => nodes.forEach((node) => node.killNow());
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled(nodes.map((node) => node.stop()));
    process.removeListener('exit', killOnExit);
    rmSync(root, { recursive: true, force: true });
  };

  const started = Date.now();
  let booted = started;
  try {
    await Promise.all(nodes.map((node) => node.start(bootTimeoutMs)));
    booted = Date.now();
    const [first, ...others] = nodes;
    // Every CLI call starts an Erlang VM (about a second, several on a busy machine): the stops and starts run side
    // by side, the joins one at a time (each changes the cluster's membership).
    await Promise.all(others.map((node) => node.ctl(['stop_app'])));
    for (const node of others) await node.ctl(['join_cluster', first!.name]);
    await Promise.all(others.map((node) => node.ctl(['start_app'])));
  } catch (error) {
    const outputs = nodes.map((node) => `--- ${node.name}\n${node.output()}`).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${outputs}`);
  }
  const startSeconds = { boot: (booted - started) / 1000, join: (Date.now() - booted) / 1000 };

  return {
    nodes,
    startSeconds,
    node(name) {
      const found = nodes.find((node) => node.name === name);
      if (!found) throw new Error(`No node ${name} in this cluster`);
      return found;
    },
    async quorumPlacement(queue, via = nodes.find((node) => node.running)) {
      if (!via) throw new Error('No running node to ask');
      const rows = JSON.parse(await via.ctl(['list_queues', 'name', 'type', 'leader', 'members', 'online', 'messages', '--formatter', 'json', '--quiet'])) as (QuorumPlacement & { name: string; type: string })[];
      const row = rows.find((r) => r.name === queue);
      if (!row) throw new Error(`${via.name} lists no queue ${queue}`);
      if (row.type !== 'quorum') throw new Error(`Queue ${queue} is a ${row.type} queue, not a quorum queue`);
      return { leader: row.leader, members: row.members, online: row.online, messages: row.messages };
    },
    stop,
  };
}
