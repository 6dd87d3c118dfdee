import { fileURLToPath } from 'node:url';
import { TsProcess } from '@app/messaging/testing';
import { LOADER_NODE_ARGS } from '../tools/loader.js';
import type { ChildJob, RoleName, RoleOutcomes } from './child-job.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./child.ts', import.meta.url));

/** A fresh Node process running one role of one case for one system (so no JIT or heap state carries over). */
export class BenchChild<R extends RoleName> {
  private readonly process: TsProcess;
  private readonly label: string;

  constructor(job: ChildJob<R>) {
    this.label = `${job.system} ${job.role}`;
    this.process = new TsProcess(CHILD_SCRIPT, { BENCH_JOB: JSON.stringify(job) }, { nodeArgs: LOADER_NODE_ARGS });
  }

  /** Resolves when the child says it is ready (roles that wait for a peer say so). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await this.process.waitForEvents('ready', 1, timeoutMs);
  }

  /** The child's result; throws with its error output if it failed or printed none. */
  async outcome(timeoutMs = 30 * 60_000): Promise<RoleOutcomes[R]> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const exit = await Promise.race([this.process.exited, timedOut]);
    clearTimeout(timer);
    if (exit === 'timeout') {
      this.process.kill('SIGKILL');
      throw new Error(`${this.label}: no result after ${timeoutMs / 1000} s${this.stderrTail()}`);
    }
    const warnings = this.process.errorOutput.trim();
    const result = this.process.named('result')[0];
    const failure = this.process.named('failure')[0];
    if (result && exit.code === 0) {
      if (warnings) process.stderr.write(`[${this.label}] ${warnings.split('\n').slice(-20).join(`\n[${this.label}] `)}\n`);
      return result as unknown as RoleOutcomes[R];
    }
    const reason = failure ? String(failure.message) : `exited with ${exit.code ?? exit.signal} and no result`;
    throw new Error(`${this.label}: ${reason}${this.stderrTail()}`);
  }

  kill(): void {
    this.process.kill('SIGKILL');
  }

  private stderrTail(): string {
    const text = this.process.errorOutput.trim();
    return text ? `\n  stderr: ${text.split('\n').slice(-15).join('\n  ')}` : '';
  }
}

export function runChild<R extends RoleName>(job: ChildJob<R>): Promise<RoleOutcomes[R]> {
  return new BenchChild(job).outcome();
}
