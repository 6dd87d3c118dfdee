// Bounds the library enforces, named once. Where SQL repeats one (left(…, 4096)), it is rendered from here.

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Characters of an error's text kept in last_error, the death history and dead-letter events. */
export const MAX_ERROR_TEXT = 4096;

/** Longest lease a claim, a consumer or extendLease may take: 12 hours, SQS's visibility limit. */
export const MAX_LEASE_MS = 12 * HOUR_MS;

/** The longest retry delay a nack may ask for: 12 hours, SQS's visibility limit. */
export const MAX_NACK_DELAY_MS = 12 * HOUR_MS;

/** Longest delay a message can be given: 7 days (from now, for `deliverAt`). */
export const MAX_DELAY_MS = 7 * DAY_MS;

/** Longest deduplication window of a publish: 7 days. */
export const MAX_DEDUPLICATION_WINDOW_MS = 7 * DAY_MS;

/** Longest time an expiring queue may be kept alive by one renewal: 7 days. */
export const MAX_QUEUE_TTL_MS = 7 * DAY_MS;

/** Longest poll interval and shutdown grace period of a consumer: a day. */
export const MAX_CONSUMER_WAIT_MS = DAY_MS;
