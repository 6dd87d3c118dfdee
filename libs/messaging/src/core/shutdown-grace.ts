/** A handler a consumer is running: settled once its outcome is written, aborted when the grace period is over. */
export interface RunningHandler {
  abort: AbortController;
  settled: boolean;
}

/**
 * A stopping consumer's grace period: waits until `idle` resolves (the last handler finished) or `graceMs` passed,
 * then marks the handlers still running settled and aborts them. Returns those (their messages go back).
 */
export async function abortAfterGrace<R extends RunningHandler>(running: ReadonlyMap<string, R>, idle: Promise<void>, graceMs: number): Promise<R[]> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([idle, graceOver]);
  clearTimeout(timer);
  const late = [...running.values()].filter((r) => !r.settled);
  for (const r of late) {
    r.settled = true;
    r.abort.abort(new Error('consumer stopped'));
  }
  return late;
}
