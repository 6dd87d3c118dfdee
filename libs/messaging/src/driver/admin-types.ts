// The operator's view of a broker (the admin API, the console and the CLI use it): browsing messages by state,
// dead-letter groups, pause, consumer counts and activity, whichever engine is behind it.
import type { DeathRecord } from '../message.js';

/** Where a message is: waiting and claimable, waiting for its delay or retry, held by a consumer, or dead-lettered. */
export type MessageState = 'ready' | 'delayed' | 'leased' | 'dead';

export const MESSAGE_STATES: readonly MessageState[] = ['ready', 'delayed', 'leased', 'dead'];

/** What browseMessages reads, and in which order. */
export interface BrowseQuery {
  /** Default: every state of that queue; 'dead' reads the queue's dead-letter queue. */
  state?: MessageState;
  /** Default 'oldest' (the order messages arrived in the queue). */
  order?: 'oldest' | 'newest';
  /** Opaque, from the previous page's nextCursor (with the same query). */
  cursor?: string;
  /** Default 50, at most 500. */
  limit?: number;
  /** A topic pattern (`*` one word, `#` zero or more) the message's routing key must match. */
  routingKey?: string;
  /** A case-insensitive substring of the last error. */
  errorText?: string;
  /** Dead letters only: the latest death's reason. */
  reason?: DeathRecord['reason'];
  /** Dead letters only: the queue it died in (its latest death). */
  sourceQueue?: string;
}

/** Which dead letters a redrive moves (every field given must hold); see RedriveOptions. */
export type DeadLetterFilter = Pick<BrowseQuery, 'routingKey' | 'errorText' | 'reason' | 'sourceQueue'>;

/** One message as an operator sees it in a list (no payload). */
export interface MessageSummary {
  /** The broker's handle on this copy (a row id; on RabbitMQ its position when read). */
  id: string;
  /** The queue that holds it (the dead-letter queue for a dead letter). */
  queue: string;
  messageId: string;
  routingKey: string;
  state: MessageState;
  /** Attempts so far. */
  attempts: number;
  publishedAt: Date;
  /** When it becomes claimable (delayed), or its lease ends (leased); null when not known. */
  visibleAt: Date | null;
  lastError: string | null;
  /** Size of its JSON payload in bytes. */
  payloadBytes: number;
  /** Most recent first. */
  deaths: DeathRecord[];
}

export interface MessagePage {
  messages: MessageSummary[];
  /** Pass it as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface MessageDetail extends MessageSummary {
  headers: Record<string, string>;
  payload: unknown;
}

/** Dead letters of one dead-letter queue with the same origin, reason and error type. */
export interface DeadLetterGroup {
  deadLetterQueue: string;
  /** The queue they died in (their latest death). */
  sourceQueue: string;
  reason: DeathRecord['reason'];
  /** The error's class name, read from the start of its text (`PaymentDeclinedError: …`); see errorTypeOf. */
  errorType: string;
  count: number;
  /** Their latest deaths' times: the oldest and the newest. */
  oldest: Date;
  newest: Date;
}

/** Counts over a window, summed over every process (capability activityRates). */
export interface QueueActivity {
  queue: string;
  /** Copies stored in the queue. */
  published: number;
  /** Deliveries handed out (a redelivery counts again). */
  delivered: number;
  acked: number;
  /** Moved to its dead-letter queue. */
  deadLettered: number;
}
