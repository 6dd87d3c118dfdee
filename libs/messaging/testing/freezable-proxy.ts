import { connect, createServer, type Socket } from 'node:net';

export interface RunningFreezableProxy {
  port: number;
  /** `url` (a postgres:// URL) with its host and port pointing at the proxy. */
  through(url: string): string;
  /**
   * Stops forwarding, as a frozen server would look: bytes are held, new connections are accepted but not
   * connected onward. Nothing fails; everything waits.
   */
  freeze(): void;
  /** Forwards everything held and resumes. */
  thaw(): void;
  /** Closes every new connection at once (a server refusing sessions); the open ones carry on. Until accept(). */
  refuseNew(): void;
  acceptNew(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** Bytes held while frozen, per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/** A TCP proxy to `target` (host:port) that a test can freeze and thaw, to show what waits on a hung database. */
export async function startFreezableProxy(target: { host: string; port: number }): Promise<RunningFreezableProxy> {
  let frozen = false;
  let refusing = false;
  const pairs = new Set<Pair>();

  const forward = (pair: Pair, from: 'client' | 'upstream', chunk: Buffer) => {
    const held = from === 'client' ? pair.toUpstream : pair.toClient;
    const to = from === 'client' ? pair.upstream : pair.client;
    if (frozen || !to) held.push(chunk);
    else to.write(chunk);
  };
  const flush = (pair: Pair) => {
    if (!pair.upstream) return;
    for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  };
  const connectUpstream = (pair: Pair) => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('connect', () => (frozen ? undefined : flush(pair)));
    upstream.on('data', (chunk: Buffer) => forward(pair, 'upstream', chunk));
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => pair.client.destroy());
  };

  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const pair: Pair = { client, upstream: null, toUpstream: [], toClient: [] };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => forward(pair, 'client', chunk));
    client.on('error', () => pair.upstream?.destroy());
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (!frozen) connectUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    through: (url) => {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      return proxied.toString();
    },
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const pair of pairs) {
        if (pair.upstream) flush(pair);
        else connectUpstream(pair);
      }
    },
    refuseNew: () => {
      refusing = true;
    },
    acceptNew: () => {
      refusing = false;
    },
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
