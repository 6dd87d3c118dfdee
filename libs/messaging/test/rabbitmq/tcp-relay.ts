import { connect, createServer, type Socket } from 'node:net';

/**
 * A byte relay in front of a TCP server, standing for a node of a cluster (its own port): `pass` forwards, `refuse`
 * closes new connections at once, `reset` also resets the open ones (a node gone), `hold` keeps every byte from
 * here on until `pass` (a network that stalls). testing/faults' proxy reads the PostgreSQL protocol; this one reads
 * nothing.
 */
export interface TcpRelay {
  readonly port: number;
  /** `url` with its host and port pointing at the relay. */
  through(url: string): string;
  pass(): void;
  refuse(): void;
  reset(): void;
  hold(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  let mode: 'pass' | 'refuse' | 'hold' = 'pass';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server = createServer((client) => {
    client.on('error', () => undefined);
    if (mode === 'refuse') return void client.destroy();
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    pairs.add(pair);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.on('data', (chunk: Buffer) => {
        to.write(chunk);
        // Held: stop reading, so bytes wait in the kernel and in order until pass() resumes.
        if (mode === 'hold') from.pause();
      });
      from.on('close', () => {
        pairs.delete(pair);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const resetAll = () => {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    through: (url) => {
      const relayed = new URL(url);
      relayed.hostname = '127.0.0.1';
      relayed.port = String(port);
      return relayed.toString();
    },
    pass: () => {
      mode = 'pass';
      for (const { client, upstream } of pairs) [client, upstream].forEach((socket) => socket.resume());
    },
    refuse: () => void (mode = 'refuse'),
    reset: () => {
      mode = 'refuse';
      resetAll();
    },
    hold: () => {
      mode = 'hold';
      for (const { client, upstream } of pairs) [client, upstream].forEach((socket) => socket.pause());
    },
    close: async () => {
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
