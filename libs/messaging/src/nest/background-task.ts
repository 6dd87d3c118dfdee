import type { InjectionToken, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';

interface Stoppable {
  stop(): Promise<void>;
}

/** Starts something when the app has booted and stops it when the app shuts down. */
class BackgroundTask implements OnApplicationBootstrap, OnApplicationShutdown {
  private running: Stoppable | null = null;

  constructor(private readonly start: () => Promise<Stoppable>) {}

  async onApplicationBootstrap(): Promise<void> {
    this.running = await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running?.stop();
    this.running = null;
  }
}

/**
 * A provider that runs a background worker (an OutboxRelay, a DeadLetterAlerter...) while the Nest app runs:
 * `runWhileAppRuns('relay', [Broker], (broker) => new OutboxRelay({ ..., broker }).start())`.
 */
export function runWhileAppRuns<D extends unknown[]>(token: string | symbol, inject: InjectionToken[], start: (...deps: D) => Promise<Stoppable>): Provider {
  return { provide: token, inject, useFactory: (...deps: D) => new BackgroundTask(() => start(...deps)) };
}
