/**
 * What a background loop sleeps on between rounds: `wait` resolves at the next `wake()` or after `timeoutMs`
 * (forever without one), whichever comes first. A wake with nobody waiting is dropped: loops keep their own
 * "asked again" flag for that.
 */
export class WakeSignal {
  private resolveWait: (() => void) | null = null;

  wait(timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.wake(), timeoutMs);
      this.resolveWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  wake(): void {
    const resolve = this.resolveWait;
    this.resolveWait = null;
    resolve?.();
  }
}
