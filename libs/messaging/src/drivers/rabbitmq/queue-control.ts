import type { QueueActivity } from '../../driver/admin-types.js';
import type { QueueControl } from '../../driver/operator-methods.js';
import { CapabilityNotSupportedError, QueueNotFoundError } from '../../errors.js';
import { assertQueueName } from '../../validation/names.js';
import type { PauseControl } from './pause-control.js';
import type { Topology } from './topology.js';

/** Pause through the control exchange (pause-control.ts); consumer counts from passive declares; no activity counts. */
export class RabbitQueueControl implements QueueControl {
  constructor(
    private readonly topology: Topology,
    private readonly pauses: PauseControl,
  ) {}

  async pauseQueue(queue: string): Promise<void> {
    assertQueueName(queue);
    await this.topology.assertExists(queue);
    if (!(await this.started()).isPaused(queue)) await this.pauses.set(queue, true);
  }

  async resumeQueue(queue: string): Promise<void> {
    assertQueueName(queue);
    await this.topology.assertExists(queue);
    if ((await this.started()).isPaused(queue)) await this.pauses.set(queue, false);
  }

  async pausedQueues(): Promise<string[]> {
    return (await this.started()).list();
  }

  /** RabbitMQ's consumer count of each queue this broker knows (capability topologyIntrospection false). */
  async consumerCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const queue of this.topology.knownQueues().sort()) {
      try {
        counts[queue] = (await this.topology.assertExists(queue)).consumerCount;
      } catch (error) {
        if (!(error instanceof QueueNotFoundError)) throw error;
      }
    }
    return counts;
  }

  async activity(sinceMs: number): Promise<QueueActivity[]> {
    void sinceMs;
    throw new CapabilityNotSupportedError(
      'activityRates',
      "AMQP gives no message counters (RabbitMQ keeps them in its management plugin); count them in each process's metrics instead",
    );
  }

  private async started(): Promise<PauseControl> {
    await this.pauses.start();
    return this.pauses;
  }
}
