import { TsProcess } from '../child-process.js';

interface Entry {
  name: string;
  script: string;
  env: Record<string, string>;
  process: TsProcess;
  /** Exits the supervisor caused on purpose do not restart the process even with restartOnExit. */
  restartOnExit: boolean;
  restartDelayMs: number;
  stopping: boolean;
  /** How many times it was started (1 + restarts). */
  starts: number;
  /** The start (by `starts`) whose end is in Supervisor.ends already. */
  endedStart: number;
}

export interface StartOptions {
  /** Start it again (same name, same env) whenever it exits unless the supervisor stopped it, e.g. crasher workers. */
  restartOnExit?: boolean;
  /** Delay before such a restart, ms. Default 0. */
  restartDelayMs?: number;
}

type Target = string | number;

/**
 * Child processes by name: TypeScript scripts run under the project's loader (TsProcess), signalled and restarted
 * by name or pid. Every signal sent, every restart and every exit it did not cause is counted (`counts`), for the
 * fault figures.
 */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  /** SIGKILL, SIGTERM, SIGSTOP, SIGCONT sent; `restart`; `exit`: exits with a non-zero code it did not cause. */
  readonly counts: Record<string, number> = {};
  /**
   * When each process ended: the SIGKILL or SIGTERM sent to it, else its exit as seen here. Where no lease runs out
   * (RabbitMQ) a process's holds end with it, and the lease checker takes these as their ends.
   */
  readonly ends: { process: string; at: number }[] = [];

  constructor(private readonly commonEnv: Record<string, string> = {}) {}

  /** Sets a variable every process started (or restarted) from now on gets. */
  setEnv(name: string, value: string): void {
    this.commonEnv[name] = value;
    for (const entry of this.entries.values()) entry.env[name] = value;
  }

  /** Starts `script` as `name` (PROCESS_NAME is set to it). */
  start(name: string, script: string, env: Record<string, string> = {}, options: StartOptions = {}): TsProcess {
    if (this.entries.get(name) && !this.hasExited(name)) throw new Error(`${name} is already running`);
    const entry: Entry = {
      name,
      script,
      env: { ...this.commonEnv, ...env, PROCESS_NAME: name },
      process: undefined as unknown as TsProcess,
      restartOnExit: options.restartOnExit ?? false,
      restartDelayMs: options.restartDelayMs ?? 0,
      stopping: false,
      starts: 0,
      endedStart: 0,
    };
    this.entries.set(name, entry);
    this.launch(entry);
    return entry.process;
  }

  /** The current process of that name (the latest after restarts). */
  get(name: string): TsProcess {
    return this.entry(name).process;
  }

  pid(name: string): number {
    return this.entry(name).process.child.pid!;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Names whose current process has not exited. */
  running(): string[] {
    return this.names().filter((name) => !this.hasExited(name));
  }

  hasExited(name: string): boolean {
    const child = this.entry(name).process.child;
    return child.exitCode !== null || child.signalCode !== null;
  }

  /** Sends a signal to the process with this name or pid, and counts it. */
  signal(target: Target, signal: NodeJS.Signals): void {
    const entry = this.entry(target);
    // A process started with restartOnExit comes back whatever ended it; others stay down until restart().
    if ((signal === 'SIGKILL' || signal === 'SIGTERM') && !entry.restartOnExit) entry.stopping = true;
    this.counts[signal] = (this.counts[signal] ?? 0) + 1;
    if ((signal === 'SIGKILL' || signal === 'SIGTERM') && !this.hasExited(entry.name)) this.ended(entry);
    entry.process.child.kill(signal);
  }

  kill(target: Target): void {
    this.signal(target, 'SIGKILL');
  }
  terminate(target: Target): void {
    this.signal(target, 'SIGTERM');
  }
  pause(target: Target): void {
    this.signal(target, 'SIGSTOP');
  }
  resume(target: Target): void {
    this.signal(target, 'SIGCONT');
  }

  /** Resolves with the exit of the current process of that name; rejects after timeoutMs. */
  async waitForExit(target: Target, timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const entry = this.entry(target);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${entry.name} did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([entry.process.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the process again under the same name and env (SIGKILLing it first if it still runs). */
  async restart(target: Target, env: Record<string, string> = {}): Promise<TsProcess> {
    const entry = this.entry(target);
    if (!this.hasExited(entry.name)) {
      entry.stopping = true;
      this.kill(entry.name);
      await entry.process.exited;
    }
    Object.assign(entry.env, env);
    this.counts.restart = (this.counts.restart ?? 0) + 1;
    this.launch(entry);
    return entry.process;
  }

  /** Stops everything: resumes paused processes, SIGTERM, then SIGKILL after graceMs. Signals here are not counted. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const alive = [...this.entries.values()].filter((e) => !this.hasExited(e.name));
    for (const entry of this.entries.values()) entry.stopping = true;
    for (const entry of alive) {
      this.ended(entry);
      entry.process.child.kill('SIGCONT');
      entry.process.child.kill('SIGTERM');
    }
    await Promise.all(
      alive.map(async (entry) => {
        const timer = setTimeout(() => entry.process.child.kill('SIGKILL'), graceMs);
        await entry.process.exited;
        clearTimeout(timer);
      }),
    );
  }

  private launch(entry: Entry): void {
    entry.stopping = false;
    entry.starts++;
    const start = entry.starts;
    const child = new TsProcess(entry.script, entry.env);
    entry.process = child;
    void child.exited.then(({ code, signal }) => {
      if (entry.process !== child) return;
      if (entry.endedStart !== start) this.ended(entry);
      // Failed by itself (process.exit(1), an uncaught error), not stopped by a signal the supervisor sent.
      if (signal === null && code !== 0 && !entry.stopping) this.counts.exit = (this.counts.exit ?? 0) + 1;
      if (entry.restartOnExit && !entry.stopping) {
        setTimeout(() => {
          if (entry.process !== child || entry.stopping) return;
          this.counts.restart = (this.counts.restart ?? 0) + 1;
          this.launch(entry);
        }, entry.restartDelayMs);
      }
    });
  }

  private ended(entry: Entry): void {
    if (entry.endedStart === entry.starts) return;
    entry.endedStart = entry.starts;
    this.ends.push({ process: entry.name, at: Date.now() });
  }

  private entry(target: Target): Entry {
    const entry = typeof target === 'number' ? [...this.entries.values()].find((e) => e.process.child.pid === target) : this.entries.get(target);
    if (!entry) throw new Error(`No supervised process ${String(target)}`);
    return entry;
  }
}
