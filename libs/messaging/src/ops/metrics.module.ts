import { Module, type DynamicModule } from '@nestjs/common';
import { METRICS_OPTIONS, MetricsController, type MetricsOptions } from './metrics.controller.js';

/**
 * `GET /metrics` for an app that imports MessagingModule: `MetricsModule.forRoot()` in every app (its own process
 * and consumer metrics), `MetricsModule.forRoot({ brokerMetrics: true })` in the one app that reports the queues.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsOptions = {}): DynamicModule {
    return { module: MetricsModule, controllers: [MetricsController], providers: [{ provide: METRICS_OPTIONS, useValue: options }] };
  }
}
