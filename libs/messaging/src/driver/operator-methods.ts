import type { BrowseQuery, DeadLetterGroup, MessageDetail, MessagePage, QueueActivity } from './admin-types.js';
import type { MessageBroker } from './message-broker.js';

/** The operator's reads of messages: what a driver's browser implements. */
export type MessageBrowsing = Pick<MessageBroker, 'browseMessages' | 'getMessage' | 'deleteMessage' | 'deadLetterGroups'>;
/** Pause and what every process reports: what a driver's queue control implements. */
export type QueueControl = Pick<MessageBroker, 'pauseQueue' | 'resumeQueue' | 'pausedQueues' | 'consumerCounts' | 'activity'>;

/**
 * The MessageBroker methods for operators, for a driver's broker to extend: each hands the call to the driver's
 * browser or queue control (`browsing()` and `control()` throw BrokerClosedError once the broker is closed).
 */
export abstract class OperatorMethods implements MessageBrowsing, QueueControl {
  protected abstract browsing(): MessageBrowsing;
  protected abstract control(): QueueControl;

  browseMessages(queue: string, query?: BrowseQuery): Promise<MessagePage> {
    return this.browsing().browseMessages(queue, query);
  }
  getMessage(queue: string, messageId: string): Promise<MessageDetail | null> {
    return this.browsing().getMessage(queue, messageId);
  }
  deleteMessage(queue: string, messageId: string): Promise<boolean> {
    return this.browsing().deleteMessage(queue, messageId);
  }
  deadLetterGroups(queue?: string): Promise<DeadLetterGroup[]> {
    return this.browsing().deadLetterGroups(queue);
  }
  pauseQueue(queue: string): Promise<void> {
    return this.control().pauseQueue(queue);
  }
  resumeQueue(queue: string): Promise<void> {
    return this.control().resumeQueue(queue);
  }
  pausedQueues(): Promise<string[]> {
    return this.control().pausedQueues();
  }
  consumerCounts(): Promise<Record<string, number>> {
    return this.control().consumerCounts();
  }
  activity(sinceMs: number): Promise<QueueActivity[]> {
    return this.control().activity(sinceMs);
  }
}
