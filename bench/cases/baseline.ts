import { runChild } from '../child-runner.js';
import type { LibraryCase } from '../context.js';

/** Child role: the library loaded and connected, nothing else; its peak RSS is the floor under the drains' figures. */
export async function idle(): Promise<{ maxRssKb: number }> {
  return { maxRssKb: process.resourceUsage().maxRSS };
}

/** The memory a child process takes before any work (Node, the TypeScript loader, the library, its pool). */
export const baselineCase: LibraryCase = {
  id: 'baseline',
  repetitions: () => 1,
  async run(ctx, system) {
    await ctx.freshSchema(system);
    const { maxRssKb } = await runChild(ctx.job(system, 'idle', {}, { concurrency: 10, install: true }));
    ctx.record({ key: 'baseline-rss', name: 'idle process, library connected: peak RSS', system, unit: 'MiB', better: 'lower', value: maxRssKb / 1024 });
  },
};
