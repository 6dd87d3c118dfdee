import { connect, createServer, type Socket } from 'node:net';
import { BackendWatcher, FrontendWatcher, type CommitKind } from './pg-wire.js';

/**
 * What the proxy does to the traffic between its clients and PostgreSQL (reliability.md §5.1), switchable at any time:
 * - `pass`: forwards everything (bytes held by an earlier `blackhole` or `delay` go first, in order);
 * - `blackhole`: forwards nothing and closes nothing, in either direction, like a network that silently drops every
 *   packet: open sockets stay open, new connections are accepted and never reach the server, a side that closes is
 *   not told to the other. The bytes are held and delivered on `pass`, as TCP retransmits once a partition heals.
 *   (The proxy's own kernel still answers the server's TCP keepalives: a blackhole here is seen by timeouts of the
 *   protocol, such as idle_in_transaction_session_timeout, not by keepalive.)
 * - `reset`: destroys every open connection with a TCP RST on both sides, and every new one as it arrives;
 * - `refuse`: closes each new connection at once (the open ones carry on);
 * - `delay`: holds each chunk `ms` plus up to `jitterMs` at random, both ways, in order;
 * - `cutAfterCommit`: forwards a COMMIT to the server, waits for its answer, keeps that answer from the client and
 *   resets the client's socket instead: an ambiguous commit (the client cannot know it committed). `every` cuts one
 *   COMMIT in that many (default 1), `limit` stops after that many cuts (default no limit), both counted from the
 *   switch to this mode; other traffic passes. `statements` also cuts statements whose SQL it matches when they run
 *   outside a transaction (they commit by themselves), e.g. a fenced ack.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'blackhole' }
  | { kind: 'reset' }
  | { kind: 'refuse' }
  | { kind: 'delay'; ms: number; jitterMs: number }
  | { kind: 'cutAfterCommit'; every: number; limit: number; statements: RegExp | null };

export interface FaultProxyStats {
  /** Connections accepted from clients, refused or not. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** New connections closed at once by `refuse`. */
  refused: number;
  /** Connections destroyed with an RST by `reset`. */
  reset: number;
  /** COMMITs that went through the proxy (in any mode), and statements that `statements` matched. */
  commitsSeen: number;
  /**
   * Commits whose answer was kept from the client, and of those, the ones the server committed (a COMMIT answered
   * `COMMIT`; a statement answered without an error).
   */
  commitsCut: number;
  commitsCutCommitted: number;
  /** Of the cuts, those of a statement `statements` matched (the others are of COMMITs). */
  statementsCut: number;
  /** Times each mode was switched on: the faults injected. */
  modes: Record<FaultMode['kind'], number>;
}

export interface FaultProxy {
  readonly port: number;
  readonly mode: FaultMode;
  readonly stats: FaultProxyStats;
  /** `url` (a postgres:// URL) with its host and port pointing at the proxy. */
  through(url: string): string;
  set(mode: FaultMode): void;
  pass(): void;
  blackhole(): void;
  reset(): void;
  refuse(): void;
  delay(ms: number, jitterMs?: number): void;
  cutAfterCommit(options?: { every?: number; limit?: number; statements?: RegExp }): void;
  close(): Promise<void>;
}

/** One direction of a connection: chunks wait here while held or delayed, and leave in order. */
class Lane {
  private readonly queue: { chunk: Buffer; due: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  target: Socket | null = null;

  constructor(private readonly held: () => boolean) {}

  push(chunk: Buffer, delayMs: number): void {
    if (chunk.length > 0) this.queue.push({ chunk, due: Date.now() + delayMs });
    this.pump();
  }

  /** The source ended: end the target once what is queued has gone. */
  closeWhenDrained(): void {
    this.closing = true;
    this.pump();
  }

  pump(): void {
    const target = this.target;
    if (this.timer || !target || this.held()) return;
    while (this.queue.length > 0) {
      const wait = this.queue[0]!.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, wait);
        return;
      }
      if (!target.destroyed) target.write(this.queue.shift()!.chunk);
      else this.queue.length = 0;
    }
    if (this.closing) target.destroy();
  }

  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }
}

/** A TCP proxy in front of PostgreSQL at `target` that injects the network faults of FaultMode. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  const stats: FaultProxyStats = {
    accepted: 0,
    open: 0,
    refused: 0,
    reset: 0,
    commitsSeen: 0,
    commitsCut: 0,
    commitsCutCommitted: 0,
    statementsCut: 0,
    modes: { pass: 0, blackhole: 0, reset: 0, refuse: 0, delay: 0, cutAfterCommit: 0 },
  };
  const connections = new Set<Connection>();
  /** COMMITs seen and cut since the mode was last set: what `every` and `limit` count. */
  const sinceSwitch = { commits: 0, cuts: 0 };
  const held = () => mode.kind === 'blackhole';
  const delayMs = () => (mode.kind === 'delay' ? mode.ms + Math.random() * mode.jitterMs : 0);

  class Connection {
    upstream: Socket | null = null;
    readonly toServer = new Lane(held);
    readonly toClient = new Lane(held);
    private readonly backend = new BackendWatcher();
    private readonly frontend = new FrontendWatcher(
      (sql) => mode.kind === 'cutAfterCommit' && mode.statements !== null && mode.statements.test(sql),
      () => this.backend.status === 'I',
    );
    /** Messages are no longer read (TLS, or after a cut). */
    private opaque = false;
    /** The sync point whose answer is being kept from the client, and whether the server said COMMIT. */
    private cutAt: number | null = null;
    private cutKind: CommitKind = 'commit';
    private cutCommitted = false;

    constructor(readonly client: Socket) {
      client.setNoDelay(true);
      this.frontend.onEncryptionRequest = () => this.backend.expectSingleByte();
      client.on('data', (chunk: Buffer) => this.fromClient(chunk));
      client.on('error', () => undefined);
      client.on('close', () => {
        stats.open -= 1;
        connections.delete(this);
        this.toClient.discard();
        this.toServer.closeWhenDrained();
      });
    }

    connectUpstream(): void {
      const upstream = connect(target.port, target.host);
      this.upstream = upstream;
      upstream.setNoDelay(true);
      upstream.on('connect', () => {
        this.toServer.target = upstream;
        this.toServer.pump();
      });
      upstream.on('data', (chunk: Buffer) => this.fromServer(chunk));
      upstream.on('error', () => undefined);
      upstream.on('close', () => this.toClient.closeWhenDrained());
      this.toClient.target = this.client;
    }

    resetBoth(): void {
      this.toServer.discard();
      this.toClient.discard();
      if (!this.client.destroyed) this.client.resetAndDestroy();
      if (this.upstream && !this.upstream.destroyed) this.upstream.resetAndDestroy();
    }

    private fromClient(chunk: Buffer): void {
      if (this.cutAt !== null) return;
      if (this.opaque) return this.toServer.push(chunk, delayMs());
      const forward: Buffer[] = [];
      for (const { message, completes } of this.frontend.read(chunk)) {
        forward.push(message.bytes);
        if (completes && this.decideCut()) {
          // Whatever the client sends after the commit is never sent: the connection is about to be cut.
          this.cutAt = this.frontend.syncPoints;
          this.cutKind = completes;
          break;
        }
      }
      this.toServer.push(Buffer.concat(forward), delayMs());
    }

    private decideCut(): boolean {
      stats.commitsSeen += 1;
      if (mode.kind !== 'cutAfterCommit') return false;
      sinceSwitch.commits += 1;
      if (sinceSwitch.cuts >= mode.limit || sinceSwitch.commits % mode.every !== 0) return false;
      sinceSwitch.cuts += 1;
      return true;
    }

    private fromServer(chunk: Buffer): void {
      if (this.opaque) return this.toClient.push(chunk, delayMs());
      const forward: Buffer[] = [];
      for (const { message, readyBefore, readyIndex, tag, error, encrypted } of this.backend.read(chunk)) {
        if (this.cutAt !== null && readyBefore >= this.cutAt - 1) {
          // Part of the commit's answer: kept back. Its ReadyForQuery ends it, and the client is reset then.
          if (tag !== null) this.cutCommitted = this.cutKind === 'statement' || tag === 'COMMIT';
          if (error) this.cutCommitted = false;
          if (readyIndex === this.cutAt) return this.finishCut(forward);
          continue;
        }
        forward.push(message.bytes);
        // The server agreed to TLS or GSS: nothing after this can be read (it comes only once the client answers).
        if (encrypted) this.opaque = true;
      }
      this.toClient.push(Buffer.concat(forward), delayMs());
    }

    private finishCut(forward: Buffer[]): void {
      stats.commitsCut += 1;
      if (this.cutCommitted) stats.commitsCutCommitted += 1;
      if (this.cutKind === 'statement') stats.statementsCut += 1;
      this.opaque = true;
      this.toClient.push(Buffer.concat(forward), 0);
      this.client.resetAndDestroy();
      this.upstream?.end();
    }
  }

  const server = createServer((client) => {
    stats.accepted += 1;
    if (mode.kind === 'refuse') {
      stats.refused += 1;
      return void client.destroy();
    }
    if (mode.kind === 'reset') {
      stats.reset += 1;
      client.on('error', () => undefined);
      return void client.resetAndDestroy();
    }
    stats.open += 1;
    const connection = new Connection(client);
    connections.add(connection);
    if (mode.kind !== 'blackhole') connection.connectUpstream();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const set = (next: FaultMode) => {
    mode = next;
    stats.modes[next.kind] += 1;
    sinceSwitch.commits = 0;
    sinceSwitch.cuts = 0;
    for (const connection of connections) {
      if (next.kind === 'reset') {
        stats.reset += 1;
        connection.resetBoth();
      } else if (next.kind !== 'blackhole') {
        if (!connection.upstream) connection.connectUpstream();
        connection.toServer.pump();
        connection.toClient.pump();
      }
    }
  };

  return {
    port,
    get mode() {
      return mode;
    },
    stats,
    through: (url) => {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      return proxied.toString();
    },
    set,
    pass: () => set({ kind: 'pass' }),
    blackhole: () => set({ kind: 'blackhole' }),
    reset: () => set({ kind: 'reset' }),
    refuse: () => set({ kind: 'refuse' }),
    delay: (ms, jitterMs = 0) => set({ kind: 'delay', ms, jitterMs }),
    cutAfterCommit: (options = {}) =>
      set({ kind: 'cutAfterCommit', every: options.every ?? 1, limit: options.limit ?? Number.POSITIVE_INFINITY, statements: options.statements ?? null }),
    close: async () => {
      for (const connection of connections) connection.resetBoth();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
