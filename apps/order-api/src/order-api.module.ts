import { Module, type DynamicModule } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { DeadLetterAlerter, HealthController, MESSAGE_BROKER, MessagingAdminModule, MessagingModule, messagingConnection, MetricsModule, nestBrokerLogger, OpsModule, runWhileAppRuns, ServiceDatabaseModule, structuredLoggerModule, type MessageBroker } from '@app/messaging';
import { BearerAuthGuard } from './auth/bearer-auth.guard.js';
import type { OrderApiConfig } from './config.js';
import { ORDERS_ENTITIES, ORDERS_MIGRATIONS } from './database/data-source.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';
import { PaymentEventsHandler } from './payments/payment-events.handler.js';

@Module({})
export class OrderApiModule {
  static register(config: OrderApiConfig): DynamicModule {
    return {
      module: OrderApiModule,
      imports: [
        structuredLoggerModule('order-api'),
        // The one app that reports the broker-wide gauges (every queue's depth): the others report only their own.
        MetricsModule.forRoot({ brokerMetrics: true }),
        // Health and metrics on their own port, not on the public API's.
        OpsModule.forRoot({ port: config.opsPort, host: config.opsHost }),
        // Callers' tokens: HS256 only, with this API's audience and issuer (BearerAuthGuard also wants exp and sub).
        JwtModule.register({
          secret: config.auth.secret,
          verifyOptions: { algorithms: ['HS256'], audience: config.auth.audience, issuer: config.auth.issuer },
        }),
        MessagingModule.forRoot({ ...messagingConnection(config, { applicationName: 'order-api', migrate: config.migrateOnStart }) }),
        ServiceDatabaseModule.forRoot({ url: config.ordersDatabaseUrl, entities: ORDERS_ENTITIES, migrations: ORDERS_MIGRATIONS, migrate: config.migrateOnStart }),
        // The broker's admin API (and console) at /admin, its audit and jobs in the orders database.
        MessagingAdminModule.forRoot({
          database: config.ordersDatabaseUrl,
          tokens: config.adminTokens ?? [],
          prefix: 'admin',
          migrate: config.migrateOnStart,
          alertWebhookUrl: config.alertWebhookUrl,
          exchange: config.messaging?.exchange,
        }),
      ],
      controllers: [OrdersController, PaymentEventsHandler, HealthController],
      providers: [
        OrdersService,
        BearerAuthGuard,
        // The dead-letter alerter runs with the API; replicas share its work (SKIP LOCKED).
        runWhileAppRuns('dead-letter-alerter', [MESSAGE_BROKER], (broker: MessageBroker) =>
          new DeadLetterAlerter({ broker, webhookUrl: config.alertWebhookUrl, logger: nestBrokerLogger('dead-letter-alerter') }).start(),
        ),
      ],
    };
  }
}
