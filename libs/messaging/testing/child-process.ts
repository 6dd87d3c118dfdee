import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The environment variable naming the module every TsProcess child preloads with `node --import` when its options
 * give no flags: your TypeScript loader (e.g. `tsx`), for code that Node's own type stripping cannot run (decorator
 * metadata). Set it once for a test run, e.g. in Jest's global setup; children inherit it.
 */
export const TS_PROCESS_IMPORT = 'TS_PROCESS_IMPORT';

export interface TsProcessOptions {
  /**
   * Node flags before the script, e.g. `['--import', 'tsx']`. Default: `--import $TS_PROCESS_IMPORT` when that
   * variable is set, else none (Node runs the file with its own type stripping).
   */
  nodeArgs?: readonly string[];
}

function defaultNodeArgs(): string[] {
  const loader = process.env[TS_PROCESS_IMPORT];
  return loader ? ['--import', loader] : [];
}

/** A child Node process running a TypeScript file, reporting JSON lines on stdout. */
export class TsProcess {
  readonly child: ChildProcess;
  /** Every JSON line the child printed so far. */
  readonly events: Record<string, unknown>[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';
  private listeners: (() => void)[] = [];
  private hasExited = false;

  constructor(script: string, env: Record<string, string>, options: TsProcessOptions = {}) {
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? defaultNodeArgs()), script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.events.push({ event: 'text', line });
      }
      for (const listener of this.listeners) listener();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    // The flag is set before the listeners run: a waiter that sees the exit fails at once instead of at its timeout.
    this.exited.then(() => {
      this.hasExited = true;
      this.listeners.forEach((listener) => listener());
    });
  }

  get errorOutput(): string {
    return this.stderr;
  }

  /** Events with this `event` name. */
  named(event: string): Record<string, unknown>[] {
    return this.events.filter((e) => e.event === event);
  }

  /** Resolves when `count` events named `event` have arrived; rejects if the child exits first. */
  async waitForEvents(event: string, count = 1, timeoutMs = 30_000): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`Timed out waiting for ${count} '${event}' events (got ${this.named(event).length}); stderr: ${this.stderr}`)), timeoutMs);
      const check = () => {
        if (this.named(event).length >= count) done();
        else if (this.hasExited) done(new Error(`Child exited before ${count} '${event}' events (got ${this.named(event).length}); stderr: ${this.stderr}`));
      };
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        if (error) reject(error);
        else resolve(this.named(event));
      };
      this.listeners.push(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }
}
