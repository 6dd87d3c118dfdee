import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Broker, DeadLetterAlerter, OutboxRelay } from '@app/messaging';
import { ORDER_API_CONFIG } from './tokens.js';
import type { OrderApiConfig } from './config.js';

/**
 * Runs the service's outbox relay (orders database -> broker) and the dead-letter alerter while the app is up.
 * Several replicas may run both: the relay and the alerter share work with SKIP LOCKED.
 */
@Injectable()
export class BackgroundWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay: OutboxRelay | null = null;
  private alerter: DeadLetterAlerter | null = null;

  constructor(
    private readonly broker: Broker,
    @Inject(ORDER_API_CONFIG) private readonly config: OrderApiConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.relay = await new OutboxRelay({ database: this.config.ordersDatabaseUrl, schema: 'messaging', broker: this.broker }).start();
    this.alerter = await new DeadLetterAlerter({ broker: this.broker, webhookUrl: this.config.alertWebhookUrl }).start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.relay?.stop(), this.alerter?.stop()]);
  }
}
