import { Inject, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Broker } from './drivers/postgres/broker.js';
import { validateBrokerOptions, type BrokerOptions } from './drivers/postgres/broker-options.js';
import { nestBrokerLogger } from './nest/nest-logger.js';
import { Housekeeping, type BrokerHousekeepingOptions } from './housekeeping/housekeeping.js';
import { HEALTH_OPTIONS, type HealthOptions } from './ops/health.controller.js';
import { MESSAGE_BROKER } from './message-broker.token.js';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** The Broker's options, and its housekeeping's. */
export interface MessagingModuleOptions extends BrokerOptions {
  /** The broker's chores (deduplication purge, expired queue sweep) while the app runs; `false`: none. Default on. */
  housekeeping?: BrokerHousekeepingOptions | false;
  /** Options of HealthController (`/health`). */
  health?: HealthOptions;
}

export interface MessagingModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: InjectionToken[];
  useFactory: (...args: never[]) => MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/** Runs the broker's housekeeping while the app runs, and closes the broker when the app shuts down. */
class BrokerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private housekeeping: Housekeeping | null = null;

  constructor(
    @Inject(Broker) private readonly broker: Broker,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    const { housekeeping, logger } = this.options;
    if (housekeeping !== false) this.housekeeping = Housekeeping.forBroker(this.broker, { logger, ...housekeeping }).start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.housekeeping?.stop();
    await this.broker.close();
  }
}

const brokerProvider = {
  provide: Broker,
  inject: [MESSAGING_OPTIONS],
  useFactory: ({ housekeeping: _housekeeping, health: _health, ...options }: MessagingModuleOptions) =>
    Broker.connect({ ...options, logger: options.logger ?? nestBrokerLogger() }),
};

const healthOptionsProvider = { provide: HEALTH_OPTIONS, inject: [MESSAGING_OPTIONS], useFactory: (options: MessagingModuleOptions) => options.health ?? {} };

/** TerminusModule comes along (and is exported) so that HealthController works in any app that imports this module. */
const terminus = TerminusModule.forRoot({ errorLogStyle: 'pretty' });

/**
 * Makes a connected `Broker` injectable (global) and runs its housekeeping. The options are validated and the
 * schema migrated while the application boots, so a bad option fails the boot, not the first message. The broker
 * logs through Nest's `Logger` (context `messaging`) unless `logger` is given.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions = {}): DynamicModule {
    validateBrokerOptions(options);
    return {
      module: MessagingModule,
      global: true,
      imports: [terminus],
      providers: [{ provide: MESSAGING_OPTIONS, useValue: options }, brokerProvider, { provide: MESSAGE_BROKER, useExisting: Broker }, healthOptionsProvider, BrokerLifecycle],
      exports: [Broker, MESSAGE_BROKER, HEALTH_OPTIONS, TerminusModule],
    };
  }

  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [...(options.imports ?? []), terminus],
      providers: [
        {
          provide: MESSAGING_OPTIONS,
          inject: options.inject ?? [],
          useFactory: async (...args: never[]) => {
            const resolved = await options.useFactory(...args);
            validateBrokerOptions(resolved);
            return resolved;
          },
        },
        brokerProvider,
        { provide: MESSAGE_BROKER, useExisting: Broker },
        healthOptionsProvider,
        BrokerLifecycle,
      ],
      exports: [Broker, MESSAGE_BROKER, HEALTH_OPTIONS, TerminusModule],
    };
  }
}
