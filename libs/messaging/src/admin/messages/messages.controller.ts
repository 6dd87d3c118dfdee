import { ConflictException, Delete, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { MESSAGE_STATES } from '../../driver/admin-types.js';
import { assertMessageId, assertPattern, assertQueueName } from '../../validation/names.js';
import { ADMIN_LIMITS } from '../admin-options.js';
import { ACTION_ROLES, Actor, maySeePayloads, RequireRole } from '../auth/admin-access.js';
import type { AdminActor } from '../auth/admin-tokens.js';
import { AuditLog } from '../audit/audit-log.js';
import type { AdminBroker, BrowseQuery, MessagePage } from '../broker-administration.js';
import { ADMIN_BROKER, AdminApi } from '../http/admin-api.decorator.js';
import { optionalText, queryChoice, queryInteger } from '../http/request-input.js';
import { messageView, summaryView, type MessageView } from './message-view.js';

const ORDERS = ['oldest', 'newest'] as const;
const REASONS = ['rejected', 'expired', 'maxlen', 'delivery_limit'] as const;

/** `?state&order&cursor&limit&routingKey&error&reason&sourceQueue` as a BrowseQuery; a bad one is a 400. */
function browseQuery(query: Record<string, unknown>): BrowseQuery {
  const browse: BrowseQuery = { limit: queryInteger('limit', query.limit, 1, ADMIN_LIMITS.maxPageSize) ?? 50 };
  const state = queryChoice('state', query.state, MESSAGE_STATES);
  if (state) browse.state = state;
  const order = queryChoice('order', query.order, ORDERS);
  if (order) browse.order = order;
  const cursor = optionalText('cursor', query.cursor, 1000);
  if (cursor) browse.cursor = cursor;
  if (query.routingKey !== undefined && query.routingKey !== '') {
    assertPattern(query.routingKey);
    browse.routingKey = query.routingKey;
  }
  const errorText = optionalText('error', query.error, 500);
  if (errorText) browse.errorText = errorText;
  const reason = queryChoice('reason', query.reason, REASONS);
  if (reason) browse.reason = reason;
  if (query.sourceQueue !== undefined && query.sourceQueue !== '') {
    assertQueueName(query.sourceQueue, 'sourceQueue');
    browse.sourceQueue = query.sourceQueue;
  }
  return browse;
}

/** A queue's messages: browse by state without consuming, one message's detail, delete one. */
@AdminApi('queues/:name/messages')
export class AdminMessagesController {
  constructor(
    @Inject(ADMIN_BROKER) private readonly broker: AdminBroker,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  @Get()
  async browse(@Param('name') name: string, @Query() query: Record<string, unknown>): Promise<MessagePage> {
    assertQueueName(name);
    const page = await this.broker.browseMessages(name, browseQuery(query));
    return { messages: page.messages.map(summaryView), nextCursor: page.nextCursor };
  }

  @Get(':messageId')
  async detail(@Param('name') name: string, @Param('messageId') messageId: string, @Actor() actor: AdminActor): Promise<MessageView> {
    assertQueueName(name);
    assertMessageId(messageId);
    const message = await this.broker.getMessage(name, messageId);
    if (!message) throw new NotFoundException(`No message ${messageId} in ${name}`);
    return messageView(message, maySeePayloads(actor));
  }

  /** 404 when the message is not there, 409 while a consumer holds it. */
  @Delete(':messageId')
  @RequireRole(...ACTION_ROLES)
  async remove(@Param('name') name: string, @Param('messageId') messageId: string, @Actor() actor: AdminActor): Promise<{ deleted: true }> {
    assertQueueName(name);
    assertMessageId(messageId);
    if (!(await this.broker.getMessage(name, messageId))) throw new NotFoundException(`No message ${messageId} in ${name}`);
    if (!(await this.broker.deleteMessage(name, messageId))) throw new ConflictException(`Message ${messageId} is held by a consumer (or just left ${name}); nothing was deleted`);
    await this.audit.record(actor, 'message.delete', { queue: name, count: 1, details: { messageId } });
    return { deleted: true };
  }
}
