// Runs the real bin (bin/pg-messaging.js) as a child process, as an operator's shell or a script would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../testing/index.js';

export const BIN = fileURLToPath(new URL('../../../../bin/pg-messaging.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running CLI: its output so far, and its exit. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;

  constructor(args: readonly string[], options: { env?: Record<string, string | undefined>; input?: string; command?: string[] } = {}) {
    const [command, ...prefix] = options.command ?? [process.execPath, BIN];
    const env = { ...process.env, ...options.env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    this.child = spawn(command, [...prefix, ...args], { env, cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdin!.end(options.input ?? '');
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })));
  }

  /** Waits until stderr holds `text` (a long-running command's "ready" note). */
  async waitForStderr(text: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(() => this.stderr.includes(text) || this.child.exitCode !== null, { timeoutMs, what: `${JSON.stringify(text)} on the CLI's stderr` });
    if (!this.stderr.includes(text)) throw new Error(`The CLI exited with ${this.child.exitCode} before printing ${JSON.stringify(text)}; stderr: ${this.stderr}`);
  }
}

const shellQuoted = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs one command to its end at a terminal: util-linux `script` gives it a pseudo-terminal, and `input` is typed
 * into it (as a person answering a prompt would).
 */
export function runCliAtTerminal(args: readonly string[], options: { env?: Record<string, string | undefined>; input: string }): Promise<CliResult> {
  const line = [process.execPath, BIN, ...args].map(shellQuoted).join(' ');
  return new CliProcess([], { ...options, command: ['script', '--quiet', '--return', '--command', line, '/dev/null'] }).exited;
}

/** Runs one command to its end. */
export function runCli(args: readonly string[], options: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<CliResult> {
  return new CliProcess(args, options).exited;
}

/** Parses the single JSON document a `--json` command printed, with its stderr in the failure message. */
export function jsonOf<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`Not one JSON document (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}
