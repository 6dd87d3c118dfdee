import { Inject, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OnApplicationShutdown } from '@nestjs/common';
import { Broker } from './broker/broker.js';
import { validateBrokerOptions, type BrokerOptions } from './broker/broker-options.js';
import { nestBrokerLogger } from './nest/nest-logger.js';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export interface MessagingModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: InjectionToken[];
  useFactory: (...args: never[]) => BrokerOptions | Promise<BrokerOptions>;
}

/** Closes the broker when the Nest application shuts down. */
class BrokerLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Broker) private readonly broker: Broker) {}

  async onApplicationShutdown(): Promise<void> {
    await this.broker.close();
  }
}

const brokerProvider = {
  provide: Broker,
  inject: [MESSAGING_OPTIONS],
  useFactory: (options: BrokerOptions) => Broker.connect({ ...options, logger: options.logger ?? nestBrokerLogger() }),
};

/**
 * Makes a connected `Broker` injectable (global). The options are validated and the schema migrated while the
 * application boots, so a bad option fails the boot, not the first message. The broker logs through Nest's
 * `Logger` (context `messaging`) unless `logger` is given.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: BrokerOptions = {}): DynamicModule {
    validateBrokerOptions(options);
    return {
      module: MessagingModule,
      global: true,
      providers: [{ provide: MESSAGING_OPTIONS, useValue: options }, brokerProvider, BrokerLifecycle],
      exports: [Broker],
    };
  }

  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: options.imports ?? [],
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
        BrokerLifecycle,
      ],
      exports: [Broker],
    };
  }
}
