import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LOADER_NODE_ARGS } from '../../tools/loader.js';

const EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.js', import.meta.url));
const COLORS = [36, 35, 33, 32, 34, 31];

/** One service of the system, run as its own Node process with its output prefixed by its name. */
export class ChildService {
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly lines: string[] = [];

  constructor(
    readonly name: string,
    entry: string,
    env: Record<string, string>,
    log: (line: string) => void,
    colorIndex: number,
  ) {
    // Its own process group: a Ctrl-C in the terminal reaches only the launcher, which stops the services in
    // order (apps, then simulators, then PostgreSQL). The stdin pipe makes it exit if the launcher dies.
    this.child = spawn(process.execPath, ['--enable-source-maps', '--import', EXIT_WITH_PARENT, ...LOADER_NODE_ARGS, entry], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const prefix = `\x1b[${COLORS[colorIndex % COLORS.length]}m${name.padEnd(20)}\x1b[0m|`;
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        log(`${prefix} ${line}`);
      });
    }
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first line for which `pick` returns a value; rejects if the process exits first. */
  waitForLine<T>(pick: (line: string) => T | undefined, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const line of this.lines) {
          const value = pick(line);
          if (value !== undefined) return finish(undefined, value);
        }
      };
      const timer = setInterval(check, 50);
      const deadline = setTimeout(() => finish(new Error(`${this.name} printed nothing expected within ${timeoutMs} ms:\n${this.recentOutput}`)), timeoutMs);
      void this.exited.then(() => finish(new Error(`${this.name} exited:\n${this.recentOutput}`)));
      let done = false;
      const finish = (error?: Error, value?: T) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        clearTimeout(deadline);
        if (error) reject(error);
        else resolve(value as T);
      };
      check();
    });
  }

  /** Its process id (fault tests signal it: SIGKILL, SIGSTOP / SIGCONT). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends `signal` to the process, if it still runs. */
  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** The last lines the service printed (for error messages). */
  get recentOutput(): string {
    return this.lines.slice(-20).join('\n');
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Resolves once `url` answers 2xx, or with `anyAnswer` once it answers at all (its port listens); rejects if the
 * service exits first or `timeoutMs` passes.
 */
export async function waitUntilHealthy(service: ChildService, url: string, { timeoutMs = 60_000, anyAnswer = false } = {}): Promise<void> {
  let exited = false;
  void service.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${service.name} exited while starting:\n${service.recentOutput}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((r) => anyAnswer || r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${service.name} did not become healthy at ${url} within ${timeoutMs} ms:\n${service.recentOutput}`);
}
