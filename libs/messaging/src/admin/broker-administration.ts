// The broker methods the admin API needs beyond the core interface, as docs/issue 11's plan gives them. They are
// being added to the driver interface (driver/); until then this file names them so the admin code is written
// against its final shape.
import type { BrokerCapabilities } from '../driver/capabilities.js';
import type { MessageBroker } from '../driver/message-broker.js';
import type { RedriveOptions } from '../driver/broker-types.js';
import type { DeathRecord } from '../message.js';

export type MessageState = 'ready' | 'delayed' | 'leased' | 'dead';

export interface BrowseQuery {
  state?: MessageState;
  order?: 'oldest' | 'newest';
  cursor?: string;
  limit?: number;
  routingKey?: string;
  errorText?: string;
  reason?: DeathRecord['reason'];
  sourceQueue?: string;
}

export interface MessageSummary {
  id: string;
  queue: string;
  messageId: string;
  routingKey: string;
  state: MessageState;
  attempts: number;
  publishedAt: Date;
  visibleAt: Date | null;
  lastError: string | null;
  payloadBytes: number;
  deaths: DeathRecord[];
}

export interface MessagePage {
  messages: MessageSummary[];
  nextCursor: string | null;
}

export interface MessageDetail extends MessageSummary {
  headers: Record<string, string>;
  payload: unknown;
}

export interface DeadLetterGroup {
  deadLetterQueue: string;
  sourceQueue: string;
  reason: DeathRecord['reason'];
  errorType: string;
  count: number;
  oldest: Date;
  newest: Date;
}

export interface QueueActivity {
  queue: string;
  published: number;
  delivered: number;
  acked: number;
  deadLettered: number;
}

export type RedriveFilter = Pick<BrowseQuery, 'routingKey' | 'errorText' | 'reason' | 'sourceQueue'>;

export interface AdminRedriveOptions extends RedriveOptions {
  messageIds?: string[];
  filter?: RedriveFilter;
}

export interface BrokerAdministration {
  browseMessages(queue: string, query?: BrowseQuery): Promise<MessagePage>;
  getMessage(queue: string, messageId: string): Promise<MessageDetail | null>;
  deleteMessage(queue: string, messageId: string): Promise<boolean>;
  deadLetterGroups(queue?: string): Promise<DeadLetterGroup[]>;
  pauseQueue(queue: string): Promise<void>;
  resumeQueue(queue: string): Promise<void>;
  pausedQueues(): Promise<string[]>;
  consumerCounts(): Promise<Record<string, number>>;
  activity(sinceMs: number): Promise<QueueActivity[]>;
  redrive(deadLetterQueue: string, options?: AdminRedriveOptions): Promise<number>;
}

/** The broker as the admin API uses it. */
export type AdminBroker = MessageBroker & BrokerAdministration & { readonly capabilities: BrokerCapabilities & { activityRates: boolean } };
