// The names the driver derives from the exchange and queue names, and the routing keys on the dead-letter exchange.

/** The per-broker topic exchange dead letters go through. */
export const deadLetterExchangeOf = (exchange: string) => `${exchange}.dead-letter`;
/** The queue bound `#` on the dead-letter exchange: one copy of every dead letter, read by takeDeadLetterEvents. */
export const deadLetterEventsQueueOf = (exchange: string) => `${exchange}.dead-letter-events`;
/** Where a retry or a delayed message waits `ms` before RabbitMQ moves it back into `queue`. */
export const queueDelayQueueOf = (queue: string, ms: number) => `${queue}.delay.${ms}`;
/** Where a delayed publish waits `ms` before RabbitMQ routes it through the exchange. */
export const exchangeDelayQueueOf = (exchange: string, ms: number) => `${exchange}.delay.${ms}`;
const DELAY_QUEUE = /\.delay\.\d+$/;
export const isDelayQueue = (name: string) => DELAY_QUEUE.test(name);

/*
 * On the dead-letter exchange a dead letter's key says where it goes: `deliver.<dlq>` reaches the dead-letter queue
 * bound by exactly that key; `drop.<queue>` (a queue without a dead-letter queue) reaches only the events queue. Two
 * prefixes, so a queue that is itself a dead-letter queue cannot receive its own dead letters.
 */
export const deliverKeyOf = (deadLetterQueue: string) => `deliver.${deadLetterQueue}`;
export const dropKeyOf = (queue: string) => `drop.${queue}`;
export function deadLetterQueueOfKey(key: string): string | null {
  return key.startsWith('deliver.') ? key.slice('deliver.'.length) : null;
}

/** The address openReplyInbox hands out; publish() sends a message carrying it as `reply-to` on that inbox's channel. */
export const REPLY_INBOX_PREFIX = 'rabbitmq-reply-inbox:';
/** The server-side address of a direct reply-to consumer: what a responder publishes its reply to. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
const DIRECT_REPLY_ADDRESS = /^amq\.rabbitmq\.reply-to\.[\x21-\x7e]{1,240}$/;
export const isDirectReplyAddress = (name: string) => DIRECT_REPLY_ADDRESS.test(name);

/**
 * Rounds a delay up to two significant digits (1,234 ms waits 1,300 ms), so retries with jittered backoff share a
 * few delay queues instead of making one per millisecond value; never early.
 */
export function roundUpDelay(ms: number): number {
  if (ms < 100) return Math.max(0, Math.ceil(ms));
  const step = 10 ** (Math.floor(Math.log10(ms)) - 1);
  return Math.ceil(ms / step) * step;
}
