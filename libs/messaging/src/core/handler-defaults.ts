/** The defaults every driver's consumer shares (ConsumerOptions). */
export const HANDLER_DEFAULTS = {
  concurrency: 10,
  shutdownGraceMs: 10_000,
} as const;

/** Messages prefetched per handler slot by default: `prefetch` = PREFETCH_PER_HANDLER × concurrency. */
export const PREFETCH_PER_HANDLER = 4;
