import { fileURLToPath } from 'node:url';
import { TsProcess } from '@app/messaging/testing';

const RELAY = fileURLToPath(new URL('../../../libs/messaging/test/fixtures/relay-process.ts', import.meta.url));

/**
 * A fixed number of outbox relay processes (libs/messaging/test/fixtures/relay-process.ts), each slot restarted a
 * moment after its process dies, as a supervisor would. Every life's `sent` reports are kept, so the test can count
 * which message ids were handed to the broker more than once.
 */
export class RelayFleet {
  /** The live process of each slot (null while it waits to be restarted). */
  readonly current: (TsProcess | null)[];
  /** Every process ever started, in order. */
  readonly lives: TsProcess[] = [];
  private stopping = false;
  private readonly restarts = new Set<Promise<void>>();

  constructor(
    readonly size: number,
    private readonly env: Record<string, string>,
    private readonly restartDelayMs: () => number,
  ) {
    this.current = Array.from({ length: size }, () => null);
  }

  /** Starts every slot; resolves when each reported ready. */
  async start(): Promise<void> {
    await Promise.all(this.current.map((_, slot) => this.launch(slot)));
  }

  private async launch(slot: number): Promise<void> {
    const relay = new TsProcess(RELAY, this.env);
    this.lives.push(relay);
    this.current[slot] = relay;
    void relay.exited.then(() => {
      if (this.current[slot] === relay) this.current[slot] = null;
      if (this.stopping) return;
      const restart = new Promise<void>((resolve) => setTimeout(resolve, this.restartDelayMs()))
        .then(() => (this.stopping ? undefined : this.launch(slot)))
        .catch(() => undefined) // killed again before it was ready: its exit schedules the next restart
        .finally(() => this.restarts.delete(restart));
      this.restarts.add(restart);
    });
    await relay.waitForEvents('ready', 1, 60_000);
  }

  /** The live relays. */
  live(): TsProcess[] {
    return this.current.filter((r): r is TsProcess => r !== null && r.child.exitCode === null && r.child.signalCode === null);
  }

  /** The message ids of the last batch this relay handed to the broker, if any. */
  static lastSent(relay: TsProcess): string[] {
    const sent = relay.named('sent');
    return sent.length === 0 ? [] : (sent[sent.length - 1].messageIds as string[]);
  }

  /** How many times each message id was handed to the broker, over every life. */
  sentCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const life of this.lives) for (const e of life.named('sent')) for (const id of e.messageIds as string[]) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }

  /** Stops restarting and ends every live relay with SIGTERM (SIGCONT first, in case it was paused). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.restarts]);
    for (const relay of this.live()) {
      relay.kill('SIGCONT');
      relay.kill('SIGTERM');
    }
    await Promise.all(this.lives.map((life) => life.exited));
  }
}
