import { connect, createServer, type Socket } from 'node:net';

export interface DelayingProxy {
  /** `url` with its host and port pointing at the proxy. */
  through(url: string): string;
  close(): Promise<void>;
}

/**
 * A TCP proxy that holds every chunk `delayMs` before passing it on, both ways: a slow network to one database.
 * The delay is the same for every chunk, so Node's timers (FIFO for equal durations) keep each stream in order.
 */
export async function startDelayingProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayingProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
      from.on('end', () => setTimeout(() => to.end(), delayMs));
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        setTimeout(() => to.destroy(), delayMs);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    through(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
