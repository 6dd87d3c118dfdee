import { Body, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { assertQueueName } from '../../validation/names.js';
import { ACTION_ROLES, Actor, RequireRole } from '../auth/admin-access.js';
import type { AdminActor } from '../auth/admin-tokens.js';
import type { AdminBroker, DeadLetterGroup } from '../broker-administration.js';
import { ADMIN_BROKER, AdminApi } from '../http/admin-api.decorator.js';
import { parseRedriveRequest } from './redrive-request.js';
import { RedriveJobs, type RedriveJob } from './redrive-jobs.js';

/** Dead letters grouped by queue, reason and error type; redrives as jobs whose progress can be read. */
@AdminApi('')
export class AdminDeadLettersController {
  constructor(
    @Inject(ADMIN_BROKER) private readonly broker: AdminBroker,
    @Inject(RedriveJobs) private readonly jobs: RedriveJobs,
  ) {}

  @Get('dead-letters')
  deadLetters(@Query('queue') queue?: string): Promise<DeadLetterGroup[]> {
    if (queue === undefined || queue === '') return this.broker.deadLetterGroups();
    assertQueueName(queue);
    return this.broker.deadLetterGroups(queue);
  }

  /** Starts a redrive in the background: 202 with the job's id; GET redrives/:id reads its progress. */
  @Post('redrives')
  @HttpCode(202)
  @RequireRole(...ACTION_ROLES)
  async redrive(@Body() body: unknown, @Actor() actor: AdminActor): Promise<RedriveJob> {
    return this.jobs.begin(actor, parseRedriveRequest(body));
  }

  @Get('redrives/:id')
  async job(@Param('id') id: string): Promise<RedriveJob> {
    const job = await this.jobs.get(id);
    if (!job) throw new NotFoundException(`No redrive job ${id}`);
    return job;
  }
}
