// The admin API reads and acts through the driver interface only; these are its names for the operator types.
import type { MessageBroker } from '../driver/message-broker.js';

export type { BrowseQuery, DeadLetterGroup, MessageDetail, MessagePage, MessageState, MessageSummary, QueueActivity } from '../driver/admin-types.js';
export type { DeadLetterFilter as RedriveFilter } from '../driver/admin-types.js';

/** The broker as the admin API uses it. */
export type AdminBroker = MessageBroker;
