import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { OPS_LISTENER_OPTIONS, OpsListener, OpsListenerGuard, type OpsListenerOptions } from './ops-listener.js';

/**
 * Health and metrics on a port of their own: `OpsModule.forRoot({ port: 9464, host })` in the app module starts the
 * ops listener with the app; HealthController and MetricsController (and any @OpsEndpoint() controller) then answer
 * only there, and the other routes only on the main port (404 on the wrong one). An app with no API of its own (a worker) needs no main port at all: `app.init()` instead of `listen`.
 * `app.get(OpsListener).url` tells where it listens.
 */
@Module({})
export class OpsModule {
  static forRoot(options: OpsListenerOptions): DynamicModule {
    return {
      module: OpsModule,
      global: true,
      providers: [{ provide: OPS_LISTENER_OPTIONS, useValue: options }, OpsListener, { provide: APP_GUARD, useClass: OpsListenerGuard }],
      exports: [OPS_LISTENER_OPTIONS, OpsListener],
    };
  }
}
