import { Module, type DynamicModule } from '@nestjs/common';
import { OPS_LISTENER_OPTIONS, OpsListener, type OpsListenerOptions } from './ops-listener.js';

/**
 * Health and metrics on a port of their own: `OpsModule.forRoot({ port: 9464, host })` in the app module starts the
 * ops listener with the app, and HealthController and MetricsController then answer only there (404 on the main
 * port). An app with no API of its own (a worker) needs no main port at all: `app.init()` instead of `listen`.
 * `app.get(OpsListener).url` tells where it listens.
 */
@Module({})
export class OpsModule {
  static forRoot(options: OpsListenerOptions): DynamicModule {
    return {
      module: OpsModule,
      global: true,
      providers: [{ provide: OPS_LISTENER_OPTIONS, useValue: options }, OpsListener],
      exports: [OPS_LISTENER_OPTIONS, OpsListener],
    };
  }
}
