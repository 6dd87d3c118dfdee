import type { ChildService } from './child-service.js';

export interface SupervisionOptions {
  /** Where "exited; restarting" lines go. */
  log: (line: string) => void;
  /** Called once when the service keeps dying: the launcher then stops everything and exits non-zero. */
  onGiveUp: (reason: string) => void;
  /** Restarts in a row (each run shorter than `stableAfterMs`) before giving up. Default 5. */
  maxRestarts?: number;
  /** A run this long counts as healthy and resets the restart count. Default 60,000 ms. */
  stableAfterMs?: number;
}

/**
 * A service the launcher keeps running, as a process supervisor (Docker's restart policy, systemd) would: when it
 * exits without being asked to, it is started again after 1 s, 2 s, 4 s... (at most 30 s), printing why; after
 * `maxRestarts` quick deaths in a row the launcher gives up.
 */
export class SupervisedService {
  private current: ChildService;
  private stopping = false;
  private restarts = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly start: () => ChildService,
    private readonly options: SupervisionOptions,
  ) {
    this.current = this.run();
  }

  /** The process running now (it changes at each restart). */
  get service(): ChildService {
    return this.current;
  }

  private run(): ChildService {
    const service = this.start();
    const startedAt = Date.now();
    void service.exited.then((code) => this.exited(service, code, Date.now() - startedAt));
    return service;
  }

  private exited(service: ChildService, code: number | null, ranMs: number): void {
    if (this.stopping) return;
    const { log, onGiveUp, maxRestarts = 5, stableAfterMs = 60_000 } = this.options;
    if (ranMs >= stableAfterMs) this.restarts = 0;
    const how = code === null ? 'was killed by a signal' : `exited with code ${code}`;
    if (this.restarts >= maxRestarts) {
      this.stopping = true;
      onGiveUp(`${service.name} ${how} again after ${maxRestarts} restarts in a row; stopping everything (its last lines are above)`);
      return;
    }
    this.restarts++;
    const delayMs = Math.min(30_000, 1_000 * 2 ** (this.restarts - 1));
    log(`${service.name} ${how}; restarting it in ${delayMs / 1_000} s (restart ${this.restarts} of at most ${maxRestarts} in a row)`);
    this.timer = setTimeout(() => {
      if (!this.stopping) this.current = this.run();
    }, delayMs);
  }

  /** Stops it for good (no restart). */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.current.stop(graceMs);
  }
}
