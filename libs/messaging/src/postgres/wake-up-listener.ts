import pg from 'pg';
import { quoteIdent } from './identifiers.js';
import type { BrokerLogger } from '../core/logger.js';
import { untraced } from '../telemetry/messaging-spans.js';

type WakeUp = () => void;

/**
 * One LISTEN connection per broker, shared by its consumers. A notification names the queue that got messages; the
 * queue's subscribers are woken (each consumer coalesces wake-ups into at most one extra claim). When the connection
 * drops, it reconnects with backoff and wakes everyone, since notifications sent meanwhile are lost; the consumers'
 * polling covers the gap.
 */
export class WakeUpListener {
  private readonly subscribers = new Map<string, Set<WakeUp>>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 100;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly channel: string,
    private readonly logger: BrokerLogger,
  ) {}

  /** Subscribes to a queue's wake-ups; resolves once LISTEN is active (or failed, then retried in the background). */
  async subscribe(queue: string, wakeUp: WakeUp): Promise<() => void> {
    let set = this.subscribers.get(queue);
    if (!set) this.subscribers.set(queue, (set = new Set()));
    set.add(wakeUp);
    await this.ensureConnected();
    return () => {
      set.delete(wakeUp);
      if (set.size === 0) this.subscribers.delete(queue);
    };
  }

  /** 'unused' while nobody subscribed, 'connected' while LISTEN is active, else 'disconnected' (connecting). */
  get state(): 'unused' | 'connected' | 'disconnected' {
    if (this.client) return 'connected';
    return this.subscribers.size === 0 ? 'unused' : 'disconnected';
  }

  /** The backend pid of the LISTEN session (tests use it to cut the connection). */
  get backendPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | null)?.processID;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private ensureConnected(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= untraced(() => this.connect()).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.clientConfig, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel !== this.channel || !message.payload) return;
      for (const wakeUp of this.subscribers.get(message.payload) ?? []) wakeUp();
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.scheduleReconnect(error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryDelayMs = 100;
    this.wakeEveryone();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (!this.closed) this.scheduleReconnect(error);
  }

  private scheduleReconnect(error: unknown): void {
    if (this.closed || this.retryTimer) return;
    this.logger.warn(`LISTEN connection lost (${(error as Error)?.message ?? String(error)}); reconnecting in ${this.retryDelayMs} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.ensureConnected();
    }, this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5_000);
  }

  private wakeEveryone(): void {
    for (const set of this.subscribers.values()) for (const wakeUp of set) wakeUp();
  }
}
