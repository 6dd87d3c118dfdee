import { SentMailEntity } from '../notifications/sent-mail.entity.js';
import { CreateSentMails1764400000002 } from './migrations/1764400000002-create-sent-mails.js';
import { SentMailsSendState1764400000003 } from './migrations/1764400000003-sent-mails-send-state.js';

/** The notification service's entities and migrations (the app and apps/database-setup both take them from here). */
export const NOTIFICATIONS_ENTITIES = [SentMailEntity];
export const NOTIFICATIONS_MIGRATIONS = [CreateSentMails1764400000002, SentMailsSendState1764400000003];
