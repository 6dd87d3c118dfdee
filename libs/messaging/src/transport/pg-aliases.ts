// The transport's first names, from when it ran on PostgreSQL only. They are the same classes and values as the
// Messaging* ones; new code uses those.
import { MessagingClient, type MessagingClientOptions } from './messaging.client.js';
import { MessagingContext } from './messaging.context.js';
import { MessagingRecord, MessagingRecordBuilder, type MessagingRecordOptions } from './messaging.record-builder.js';
import { MessagingServer, type MessagingServerOptions } from './messaging.server.js';
import { MESSAGING_TRANSPORT, type MessagingClientEvents, type MessagingServerEvents, type MessagingTransportStatus } from './messaging.transport.js';

/** @deprecated Use MessagingServer (the same class). */
export const PgServer = MessagingServer;
/** @deprecated Use MessagingServer (the same class). */
export type PgServer = MessagingServer;
/** @deprecated Use MessagingServerOptions. */
export type PgServerOptions = MessagingServerOptions;

/** @deprecated Use MessagingClient (the same class). */
export const PgClient = MessagingClient;
/** @deprecated Use MessagingClient (the same class). */
export type PgClient = MessagingClient;
/** @deprecated Use MessagingClientOptions. */
export type PgClientOptions = MessagingClientOptions;

/** @deprecated Use MessagingContext (the same class). */
export const PgContext = MessagingContext;
/** @deprecated Use MessagingContext (the same class). */
export type PgContext = MessagingContext;

/** @deprecated Use MessagingRecord (the same class). */
export const PgRecord = MessagingRecord;
/** @deprecated Use MessagingRecord (the same class). */
export type PgRecord<TData = unknown> = MessagingRecord<TData>;
/** @deprecated Use MessagingRecordBuilder (the same class). */
export const PgRecordBuilder = MessagingRecordBuilder;
/** @deprecated Use MessagingRecordBuilder (the same class). */
export type PgRecordBuilder<TData = unknown> = MessagingRecordBuilder<TData>;
/** @deprecated Use MessagingRecordOptions. */
export type PgRecordOptions = MessagingRecordOptions;

/** @deprecated Use MESSAGING_TRANSPORT (the same symbol). */
export const PG_TRANSPORT: typeof MESSAGING_TRANSPORT = MESSAGING_TRANSPORT;
/** @deprecated Use MessagingTransportStatus. */
export type PgTransportStatus = MessagingTransportStatus;
/** @deprecated Use MessagingServerEvents. */
export type PgServerEvents = MessagingServerEvents;
/** @deprecated Use MessagingClientEvents. */
export type PgClientEvents = MessagingClientEvents;
