import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { isPaymentOutcomeKey, ROUTING_KEYS, ROUTING_PATTERNS, type PaymentOutcome } from '@app/contracts';
import { Consume, Inbox, PgContext, RejectMessageError } from '@app/messaging';
import type { EntityManager } from 'typeorm';
import { OrdersService } from '../orders/orders.service.js';

/** The order service's own consumer: payment results move an order to paid or payment_failed, once. */
@Controller()
export class PaymentEventsHandler {
  constructor(
    private readonly orders: OrdersService,
    private readonly inbox: Inbox<EntityManager>,
  ) {}

  @Consume(ROUTING_PATTERNS.paymentEvents, { queue: 'orders.payment-events', maxAttempts: 10 })
  async onPaymentOutcome(@Payload() event: PaymentOutcome, @Ctx() ctx: PgContext): Promise<void> {
    const routingKey = ctx.getRoutingKey();
    if (!isPaymentOutcomeKey(routingKey)) return;
    // A malformed event can never succeed: dead-letter it now rather than after ten attempts (and never let a
    // missing orderId reach a WHERE clause).
    if (!isPaymentOutcome(event)) throw new RejectMessageError(`${routingKey} without a valid orderId (a UUID)`);
    await this.inbox.process(ctx, (manager) =>
      this.orders.applyPaymentOutcome(manager, event, routingKey === ROUTING_KEYS.paymentCompleted ? 'paid' : 'payment_failed'),
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isPaymentOutcome(event: unknown): event is PaymentOutcome {
  return event !== null && typeof event === 'object' && typeof (event as PaymentOutcome).orderId === 'string' && UUID.test((event as PaymentOutcome).orderId);
}
