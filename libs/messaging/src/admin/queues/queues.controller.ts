import { Body, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { InvalidArgumentError } from '../../errors.js';
import { assertQueueName } from '../../validation/names.js';
import { AlertThresholdStore, parseThresholds, type StoredThresholds } from '../alerts/alert-thresholds.js';
import { ACTION_ROLES, Actor, RequireRole } from '../auth/admin-access.js';
import type { AdminActor } from '../auth/admin-tokens.js';
import { AuditLog } from '../audit/audit-log.js';
import type { AdminBroker } from '../broker-administration.js';
import { ADMIN_BROKER, AdminApi } from '../http/admin-api.decorator.js';
import { bodyObject } from '../http/request-input.js';
import { QueueSampler, type QueueSample } from '../samples/queue-sampler.js';
import { queueOverview, queueOverviews, type QueueOverview } from './queue-overview.js';

/** Queues: list, detail with the last hour's samples, purge, pause and resume, alert thresholds. */
@AdminApi('queues')
export class AdminQueuesController {
  constructor(
    @Inject(ADMIN_BROKER) private readonly broker: AdminBroker,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(QueueSampler) private readonly sampler: QueueSampler,
    @Inject(AlertThresholdStore) private readonly thresholds: AlertThresholdStore,
  ) {}

  @Get()
  list(): Promise<QueueOverview[]> {
    return queueOverviews(this.broker);
  }

  @Get(':name')
  async detail(@Param('name') name: string): Promise<QueueOverview & { samples: QueueSample[] }> {
    assertQueueName(name);
    const [queue, samples] = await Promise.all([queueOverview(this.broker, name), this.sampler.samples(name)]);
    return { ...queue, samples };
  }

  /** Deletes every message no consumer holds. The body must repeat the queue's name: `{ "confirm": "<name>" }`. */
  @Post(':name/purge')
  @HttpCode(200)
  @RequireRole(...ACTION_ROLES)
  async purge(@Param('name') name: string, @Body() body: unknown, @Actor() actor: AdminActor): Promise<{ purged: number }> {
    assertQueueName(name);
    const { confirm } = bodyObject(body ?? {}, ['confirm']);
    if (confirm !== name) throw new InvalidArgumentError(`To purge ${name}, repeat its name: { "confirm": "${name}" }`, { queue: name });
    await this.broker.getQueue(name);
    const purged = await this.broker.purge(name);
    await this.audit.record(actor, 'purge', { queue: name, count: purged });
    return { purged };
  }

  /** Consumers of the queue in every process stop claiming within a second; running handlers finish. */
  @Post(':name/pause')
  @HttpCode(200)
  @RequireRole(...ACTION_ROLES)
  pause(@Param('name') name: string, @Actor() actor: AdminActor): Promise<{ paused: boolean }> {
    return this.setPaused(name, true, actor);
  }

  @Post(':name/resume')
  @HttpCode(200)
  @RequireRole(...ACTION_ROLES)
  resume(@Param('name') name: string, @Actor() actor: AdminActor): Promise<{ paused: boolean }> {
    return this.setPaused(name, false, actor);
  }

  private async setPaused(name: string, paused: boolean, actor: AdminActor): Promise<{ paused: boolean }> {
    assertQueueName(name);
    await this.broker.getQueue(name);
    await (paused ? this.broker.pauseQueue(name) : this.broker.resumeQueue(name));
    await this.audit.record(actor, paused ? 'pause' : 'resume', { queue: name });
    return { paused };
  }

  @Get(':name/alerts')
  async alerts(@Param('name') name: string): Promise<StoredThresholds> {
    assertQueueName(name);
    await this.broker.getQueue(name);
    return this.thresholds.get(name);
  }

  /** Replaces the queue's thresholds: `{ deadLetterDepth?, arrivalRatePerSecond?, oldestAgeSeconds? }` (`{}` removes them). */
  @Put(':name/alerts')
  @RequireRole(...ACTION_ROLES)
  async setAlerts(@Param('name') name: string, @Body() body: unknown, @Actor() actor: AdminActor): Promise<StoredThresholds> {
    assertQueueName(name);
    const thresholds = parseThresholds(body);
    await this.broker.getQueue(name);
    const stored = await this.thresholds.put(name, thresholds, actor.name);
    await this.audit.record(actor, 'alerts.update', { queue: name, details: { ...thresholds } });
    return stored;
  }
}
