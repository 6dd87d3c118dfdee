import type { Delivery } from '../../../src/message.js';
import type { TsProcess } from '../../child-process.js';
import { signal, waitFor } from '../../wait-for.js';
import { sleep, type ConformanceContext } from '../conformance-context.js';

interface Handled {
  messageId: string;
  attempt: number;
  startedAt: number;
  endedAt: number;
  pid: number;
}

/** Pairs of handlings of one message whose run times overlap. */
function concurrentHandlings(handled: readonly Handled[]): [Handled, Handled][] {
  const byId = new Map<string, Handled[]>();
  for (const h of handled) byId.set(h.messageId, [...(byId.get(h.messageId) ?? []), h]);
  const overlaps: [Handled, Handled][] = [];
  for (const runs of byId.values()) {
    for (let i = 0; i < runs.length; i++) for (let j = i + 1; j < runs.length; j++) {
      if (runs[i].startedAt < runs[j].endedAt && runs[j].startedAt < runs[i].endedAt) overlaps.push([runs[i], runs[j]]);
    }
  }
  return overlaps;
}

export function describeConsumers(ctx: ConformanceContext): void {
  describe('consumers', () => {
    // The child processes of both process cases start together: a start-up takes seconds on a busy machine.
    let competing: { queue: string; workers: TsProcess[] };
    let killed: { queue: string; doomed: TsProcess };
    beforeAll(async () => {
      const queue = await ctx.queue('competing');
      const killedQueue = await ctx.queue('killed', { leaseMs: 1_500 });
      competing = { queue, workers: [0, 1].map(() => ctx.child('consumer', { QUEUE: queue, MODE: 'ack', HANDLE_MS: '5', CONCURRENCY: '2', PREFETCH: '2' }, 'file')) };
      killed = { queue: killedQueue, doomed: ctx.child('consumer', { QUEUE: killedQueue, MODE: 'hold', CONCURRENCY: '2', PREFETCH: '2' }, 'file') };
      await Promise.all([...competing.workers, killed.doomed].map((w) => w.waitForEvents('ready', 1, 40_000)));
    });

    it('competing consumers in two processes share a queue: none lost, none handled twice at once, both get work', async () => {
      const { queue, workers } = competing;
      const count = 120;
      const { messageIds } = await ctx.broker.publish(Array.from({ length: count }, (_, i) => ({ routingKey: queue, payload: i })));
      const handled = () => workers.flatMap((w) => w.named('handled') as unknown as Handled[]);
      await waitFor(() => new Set(handled().map((h) => h.messageId)).size === count, { timeoutMs: 20_000, what: `${count} messages handled` });
      await sleep(200);

      expect(new Set(handled().map((h) => h.messageId))).toEqual(new Set(messageIds));
      expect(concurrentHandlings(handled())).toEqual([]);
      for (const w of workers) expect(w.named('handled').length).toBeGreaterThan(0);
      expect(await ctx.broker.queueStats(queue)).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
    });

    it("redelivers a SIGKILLed consumer's unacknowledged messages to another consumer, with the attempt counted", async () => {
      const { queue, doomed } = killed;
      const { messageIds } = await ctx.broker.publish([0, 1].map((i) => ({ routingKey: queue, payload: i })));
      const held = await doomed.waitForEvents('holding', 2);
      expect(held.map((h) => h.attempt)).toEqual([1, 1]);
      doomed.kill('SIGKILL');
      await doomed.exited;

      const seen = await ctx.collect(queue);
      await waitFor(() => seen.length === 2, { timeoutMs: 10_000, what: "the killed consumer's messages" });
      expect(seen.map((d) => ({ messageId: d.messageId, attempt: d.attempt })).sort((a, b) => a.messageId.localeCompare(b.messageId))).toEqual(
        [...messageIds].sort().map((messageId) => ({ messageId, attempt: 2 })),
      );
    });

    it('graceful stop: a handler that finishes within the grace is acked, one that overruns it is aborted and given back, a prefetched message is given back with its attempt not counted', async () => {
      const queue = await ctx.queue('graceful');
      const { messageIds } = await ctx.broker.publish([0, 1, 2].map((i) => ({ routingKey: queue, payload: i })));
      const started: Delivery[] = [];
      const finishQuick = signal();
      let slowAborted = false;
      const consumer = await ctx.broker.consume(
        queue,
        async (delivery, control) => {
          started.push(delivery);
          if (started.length === 1) return finishQuick.promise;
          control.signal.addEventListener('abort', () => (slowAborted = true));
          await new Promise(() => undefined); // hangs past the grace
        },
        { concurrency: 2, prefetch: 1, pollIntervalMs: 100, shutdownGraceMs: 800 },
      );
      await waitFor(() => started.length === 2, { what: 'two running handlers' });
      const stopStarted = Date.now();
      const stopping = consumer.stop();
      await sleep(200);
      finishQuick.resolve();
      await stopping;
      const stopMs = Date.now() - stopStarted;
      expect(stopMs).toBeGreaterThanOrEqual(700);
      // The slow handler never ends, so any bounded stop shows the grace was enforced; the bound is loose for a busy machine.
      expect(stopMs).toBeLessThan(10_000);
      expect(slowAborted).toBe(true);
      expect(started).toHaveLength(2);

      const [quick, slow] = started.map((d) => d.messageId);
      const seen = await ctx.collect(queue);
      await waitFor(() => seen.length === 2, { timeoutMs: 10_000, what: 'the messages given back' });
      await sleep(200);
      // The overrunning handler did run: its attempt counts. The prefetched message never started: it does not.
      const attempts = Object.fromEntries(seen.map((d) => [d.messageId, d.attempt]));
      expect(attempts).toEqual(Object.fromEntries(messageIds.filter((id) => id !== quick).map((id) => [id, id === slow ? 2 : 1])));
    });
  });
}
