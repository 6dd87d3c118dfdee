import { Get, Inject, Query } from '@nestjs/common';
import { InvalidArgumentError } from '../../errors.js';
import { topicMatches } from '../../topology/topic-matcher.js';
import { assertRoutingKey } from '../../validation/names.js';
import { ADMIN_OPTIONS, ADMIN_LIMITS, type ResolvedAdminOptions } from '../admin-options.js';
import { Actor } from '../auth/admin-access.js';
import type { AdminActor } from '../auth/admin-tokens.js';
import { AuditLog, type AuditPage } from '../audit/audit-log.js';
import type { AdminBroker } from '../broker-administration.js';
import { ADMIN_BROKER, AdminApi } from '../http/admin-api.decorator.js';
import { optionalText, queryInteger } from '../http/request-input.js';

/** Who is calling, the exchange's bindings and a routing-key tester, and the audit trail. */
@AdminApi('')
export class AdminTopologyController {
  constructor(
    @Inject(ADMIN_BROKER) private readonly broker: AdminBroker,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions,
  ) {}

  @Get('whoami')
  whoami(@Actor() actor: AdminActor): AdminActor {
    return { name: actor.name, roles: actor.roles };
  }

  @Get('topology')
  async topology(): Promise<{ exchange: string; bindings: { queue: string; pattern: string }[] }> {
    const queues = await this.broker.listQueues();
    return { exchange: this.options.exchange, bindings: queues.flatMap((queue) => queue.bindings.map((pattern) => ({ queue: queue.name, pattern }))) };
  }

  /** Which queues a message with this routing key would reach (one copy per queue, as publish routes it). */
  @Get('topology/route')
  async route(@Query('key') key: unknown): Promise<{ key: string; queues: string[] }> {
    if (key === undefined) throw new InvalidArgumentError('key (the routing key to test) is required; ?key= is the empty key', { option: 'key' });
    assertRoutingKey(key);
    const queues = await this.broker.listQueues();
    return { key, queues: queues.filter((queue) => queue.bindings.some((pattern) => topicMatches(pattern, key))).map((queue) => queue.name) };
  }

  @Get('audit')
  entries(@Query('limit') limit: unknown, @Query('cursor') cursor: unknown): Promise<AuditPage> {
    return this.audit.list(queryInteger('limit', limit, 1, ADMIN_LIMITS.maxAuditPageSize) ?? 50, optionalText('cursor', cursor, 20));
  }
}
