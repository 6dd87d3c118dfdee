import { Inject, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { connectBroker, PostgresBroker, validateConnectBrokerOptions, type ConnectBrokerOptions } from './connect-broker.js';
import type { MessageBroker } from './driver/message-broker.js';
import { InvalidArgumentError } from './errors.js';
import { MESSAGE_BROKER } from './message-broker.token.js';
import { nestBrokerLogger } from './nest/nest-logger.js';
import { Housekeeping, type BrokerHousekeepingOptions } from './housekeeping/housekeeping.js';
import { HEALTH_OPTIONS, type HealthOptions } from './ops/health.controller.js';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** What MessagingModule adds to the broker's options. */
export interface MessagingModuleExtras {
  /** The broker's chores (PostgreSQL: deduplication purge, expired queue sweep) while the app runs; `false`: none. Default on. */
  housekeeping?: BrokerHousekeepingOptions | false;
  /** Options of HealthController (`/health`). */
  health?: HealthOptions;
}

/** The broker's options (`driver` and that driver's options; see connectBroker), and the module's own. */
export type MessagingModuleOptions = ConnectBrokerOptions & MessagingModuleExtras;

export interface MessagingModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: InjectionToken[];
  useFactory: (...args: never[]) => MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/** Splits the module's own options off and checks the broker's (unknown ones refused): a bad option fails the boot. */
function brokerOptionsOf(options: MessagingModuleOptions): ConnectBrokerOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('MessagingModule needs an options object', {});
  const { housekeeping: _housekeeping, health: _health, ...broker } = options;
  validateConnectBrokerOptions(broker);
  return broker;
}

/** Runs the broker's housekeeping while the app runs, and closes the broker when the app shuts down. */
class BrokerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private housekeeping: Housekeeping | null = null;

  constructor(
    @Inject(MESSAGE_BROKER) private readonly broker: MessageBroker,
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
  provide: MESSAGE_BROKER,
  inject: [MESSAGING_OPTIONS],
  useFactory: (options: MessagingModuleOptions) => {
    const broker = brokerOptionsOf(options);
    return connectBroker({ ...broker, logger: broker.logger ?? nestBrokerLogger() } as ConnectBrokerOptions);
  },
};

/** The PostgreSQL driver's `Broker` under its class token, for code that uses what only it has; null on another driver. */
const postgresBrokerProvider = {
  provide: PostgresBroker,
  inject: [MESSAGE_BROKER],
  useFactory: (broker: MessageBroker) => (broker instanceof PostgresBroker ? broker : null),
};

const healthOptionsProvider = { provide: HEALTH_OPTIONS, inject: [MESSAGING_OPTIONS], useFactory: (options: MessagingModuleOptions) => options.health ?? {} };

/** TerminusModule comes along (and is exported) so that HealthController works in any app that imports this module. */
const terminus = TerminusModule.forRoot({ errorLogStyle: 'pretty' });

const providers = [brokerProvider, postgresBrokerProvider, healthOptionsProvider, BrokerLifecycle];
const exported = [MESSAGE_BROKER, PostgresBroker, HEALTH_OPTIONS, TerminusModule];

/**
 * Makes a connected MessageBroker injectable (global) under MESSAGE_BROKER, whichever driver the options (or
 * MESSAGING_DRIVER) pick, and runs its housekeeping; with the postgres driver it is also injectable as `Broker`.
 * The options are validated and the schema migrated while the application boots, so a bad option fails the boot,
 * not the first message. The broker logs through Nest's `Logger` (context `messaging`) unless `logger` is given.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions = {}): DynamicModule {
    brokerOptionsOf(options);
    return {
      module: MessagingModule,
      global: true,
      imports: [terminus],
      providers: [{ provide: MESSAGING_OPTIONS, useValue: options }, ...providers],
      exports: exported,
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
            brokerOptionsOf(resolved);
            return resolved;
          },
        },
        ...providers,
      ],
      exports: exported,
    };
  }
}
