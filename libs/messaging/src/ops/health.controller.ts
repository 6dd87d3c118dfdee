import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthCheckResult, type HealthIndicatorFunction } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import type { MessageBroker } from '../driver/message-broker.js';
import { MESSAGE_BROKER } from '../message-broker.token.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { OpsEndpoint } from './ops-listener.js';

/** What a readiness check may take before it counts as down, in ms (a frozen database must not hang the probe). */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

/** Injection token of the health options (MessagingModule provides them from its `health` option). */
export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

export interface HealthOptions {
  /** Each readiness check's timeout, in ms. Default 2,000. */
  timeoutMs?: number;
}

/**
 * Health in terminus' shape (`{ status, info, error, details }`, 503 when down), for container and Kubernetes
 * probes. `GET /health/live`: the process answers (restart it if not). `GET /health/ready` and `GET /health`:
 * ready for work: the broker and the service's own database (when ServiceDatabaseModule is there) answer within
 * the timeout, every consumer of this process runs, and the broker's push connection (PostgreSQL's LISTEN) is up
 * when it is in use. Needs MessagingModule (it brings TerminusModule). With OpsModule, only on the ops port.
 */
@Controller('health')
@OpsEndpoint()
export class HealthController {
  private readonly timeoutMs: number;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly typeOrm: TypeOrmHealthIndicator,
    @Inject(MESSAGE_BROKER) private readonly broker: MessageBroker,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(HEALTH_OPTIONS) options: HealthOptions | null,
  ) {
    this.timeoutMs = assertIntegerInRange('health.timeoutMs', options?.timeoutMs ?? HEALTH_CHECK_TIMEOUT_MS, 1, 60_000);
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get(['', 'ready'])
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.indicators.check('broker').attempt(() => this.broker.ping()).withTimeout(this.timeoutMs),
      () => this.consumers(),
      () => this.listener(),
    ];
    const database = this.serviceDatabase();
    if (database) checks.push(() => this.typeOrm.pingCheck('database', { connection: database }).withTimeout(this.timeoutMs));
    return this.health.check(checks);
  }

  private consumers() {
    const { running, stopped } = this.broker.consumerStatus;
    const session = this.indicators.check('consumers');
    return stopped.length === 0 ? session.up({ running }) : session.down({ running, stopped });
  }

  private listener() {
    const state = this.broker.connectionState;
    const session = this.indicators.check('listen');
    return state === 'disconnected' ? session.down({ state }) : session.up({ state });
  }

  /** The service's own database: the TypeORM DataSource of ServiceDatabaseModule, if the app has one. */
  private serviceDatabase(): DataSource | null {
    try {
      return this.moduleRef.get(DataSource, { strict: false });
    } catch {
      return null;
    }
  }
}
