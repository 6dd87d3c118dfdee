import { setTimeout as pause } from 'node:timers/promises';
import type { RunningPostgres } from '@app/messaging/testing';
import type { FaultProxy } from '@app/messaging/testing/faults';
import type { RunningSystem } from '../../scripts/system/start-system.js';

/** One injected fault, and how long the pipeline took to come back after it ended. */
export interface NemesisFault {
  kind: 'SIGKILL' | 'SIGSTOP' | 'postgres-crash' | 'blackhole';
  target: string;
  startedAt: number;
  endedAt: number;
  /** Fault end → the pipeline's first progress (an order newly final or a mail sent), s; null if none before it drained. */
  firstFinalSeconds: number | null;
  /** Fault end → every order accepted before the fault ended is final and mailed, s. */
  drainedSeconds: number | null;
}

const WORKERS = ['payment-worker', 'notification-worker'] as const;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const between = (low: number, high: number) => low + Math.random() * (high - low);

/**
 * The mixed nemesis of T16: every `gapMs` (a random pick in the range) one fault, in turn: SIGKILL a worker (the
 * launcher restarts it), SIGSTOP a worker for its lease and then some, then SIGCONT, crash PostgreSQL (kill -9 of
 * the postmaster) and start it again after 1-5 s, and, for workers whose connections go through a fault proxy,
 * blackhole all of one worker's database connections for `blackholeMs`. After each fault a watcher measures
 * recovery through the test's `progress` (a count that grows as orders end and mails go) and `settled` (the orders
 * accepted before the fault ended are final and mailed).
 */
export class OrderPipelineNemesis {
  readonly faults: NemesisFault[] = [];
  private readonly watchers: Promise<void>[] = [];
  private running = true;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly system: RunningSystem,
    private readonly server: RunningPostgres,
    private readonly pipeline: { acceptedSoFar(): string[]; progress(): Promise<number>; settled(orderIds: string[]): Promise<boolean> },
    private readonly options: { gapMs: [number, number]; pauseMs: number; blackholeMs: number; proxies: Record<string, FaultProxy>; log: (line: string) => void },
  ) {}

  start(): void {
    this.stopped = this.loop();
  }

  /** Ends the schedule (the fault under way finishes and heals), then waits for the recovery watchers. */
  async stop(watchTimeoutMs: number): Promise<void> {
    this.running = false;
    await this.stopped;
    await Promise.race([Promise.all(this.watchers), pause(watchTimeoutMs)]);
  }

  private async loop(): Promise<void> {
    const proxied = WORKERS.filter((worker) => this.options.proxies[worker]);
    const kinds: NemesisFault['kind'][] = ['SIGKILL', 'SIGSTOP', 'postgres-crash', ...(proxied.length > 0 ? (['blackhole'] as const) : [])];
    for (let turn = 0; this.running; turn++) {
      await this.sleepWhileRunning(between(...this.options.gapMs));
      if (!this.running) break;
      const kind = kinds[turn % kinds.length];
      const target = kind === 'postgres-crash' ? 'postgres' : pick(kind === 'blackhole' ? proxied : WORKERS);
      const startedAt = Date.now();
      this.options.log(`nemesis: ${kind} ${target}`);
      if (kind === 'SIGKILL') this.system.current(target).signal('SIGKILL');
      else if (kind === 'SIGSTOP') {
        const stoppedProcess = this.system.current(target);
        stoppedProcess.signal('SIGSTOP');
        await pause(this.options.pauseMs);
        stoppedProcess.signal('SIGCONT');
      } else if (kind === 'blackhole') {
        this.options.proxies[target].blackhole();
        await pause(this.options.blackholeMs);
        this.options.proxies[target].pass();
      } else {
        await this.server.crash();
        await pause(between(1_000, 5_000));
        await this.server.start();
      }
      const fault: NemesisFault = { kind, target, startedAt, endedAt: Date.now(), firstFinalSeconds: null, drainedSeconds: null };
      this.options.log(`nemesis: ${kind} ${target} healed after ${((fault.endedAt - startedAt) / 1000).toFixed(1)} s`);
      this.faults.push(fault);
      this.watchers.push(this.watch(fault, this.pipeline.acceptedSoFar()));
    }
  }

  private async sleepWhileRunning(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.running && Date.now() < until) await pause(Math.min(250, until - Date.now()));
  }

  /** Polls the pipeline until the orders accepted before the fault ended are final and mailed. */
  private async watch(fault: NemesisFault, before: string[]): Promise<void> {
    let baseline: number | null = null;
    const deadline = fault.endedAt + 300_000;
    while (Date.now() < deadline) {
      try {
        baseline ??= await this.pipeline.progress();
        if (fault.firstFinalSeconds === null && (await this.pipeline.progress()) > baseline) fault.firstFinalSeconds = (Date.now() - fault.endedAt) / 1000;
        if (await this.pipeline.settled(before)) {
          fault.drainedSeconds = (Date.now() - fault.endedAt) / 1000;
          return;
        }
      } catch {
        // The database is down (the next fault): try again.
      }
      await pause(500);
    }
  }
}
