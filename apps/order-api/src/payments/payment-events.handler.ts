import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Consume, Inbox, PgContext } from '@app/messaging';
import type { EntityManager } from 'typeorm';
import { OrdersService, type PaymentOutcomeEvent } from '../orders/orders.service.js';

/** The order service's own consumer: payment results move an order to paid or payment_failed, once. */
@Controller()
export class PaymentEventsHandler {
  constructor(
    private readonly orders: OrdersService,
    private readonly inbox: Inbox<EntityManager>,
  ) {}

  @Consume('payment.*', { queue: 'orders.payment-events', maxAttempts: 10 })
  async onPaymentOutcome(@Payload() event: PaymentOutcomeEvent, @Ctx() ctx: PgContext): Promise<void> {
    const routingKey = ctx.getRoutingKey();
    if (routingKey !== 'payment.completed' && routingKey !== 'payment.failed') return;
    await this.inbox.process(ctx, (manager) =>
      this.orders.applyPaymentOutcome(manager, event, routingKey === 'payment.completed' ? 'paid' : 'payment_failed'),
    );
  }
}
