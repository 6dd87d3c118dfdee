// Progress of long redrives and purges, drawn on stderr so stdout keeps only the result.
import { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/**
 * A bar on stderr when it is a terminal, or always with --progress (then one line per update where stderr is a
 * pipe or file). `total` unknown (a filter's matches): the bar shows the count only.
 */
export function startProgress(label: string, total: number | undefined, options: { force: boolean }): Progress {
  const stream = process.stderr;
  if (!stream.isTTY && !options.force) return { update: () => undefined, stop: () => undefined };
  const format = total === undefined ? `${label} {value} moved | {duration_formatted}` : `${label} [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted}`;
  const bar = new SingleBar({ format, stream, noTTYOutput: options.force, notTTYSchedule: 250, hideCursor: stream.isTTY ? true : null, etaBuffer: 20 });
  bar.start(total ?? 0, 0);
  return {
    update: (done, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
