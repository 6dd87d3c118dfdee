import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { ROUTING_KEYS, type OrderCreated, type PaymentOutcome } from '@app/contracts';
import { Consume, Inbox, Outbox, PgContext } from '@app/messaging';
import type { EntityManager } from 'typeorm';
import { PaymentProviderClient } from '../provider/payment-provider.client.js';
import { PaymentEntity } from './payment.entity.js';

/**
 * Charges each new order once: the provider call carries the order as idempotency key, and the payment row, the
 * inbox row and the `payment.*` outbox message commit together. A provider outage throws: the message is retried
 * with backoff, and the repeated charge request returns the provider's first answer.
 */
@Controller()
export class OrderCreatedHandler {
  private readonly logger = new Logger(OrderCreatedHandler.name);

  constructor(
    private readonly provider: PaymentProviderClient,
    private readonly outbox: Outbox,
    private readonly inbox: Inbox<EntityManager>,
  ) {}

  @Consume(ROUTING_KEYS.orderCreated, { queue: 'payments.order-created', maxAttempts: 8, retryBaseMs: 500 })
  async charge(@Payload() order: OrderCreated, @Ctx() ctx: PgContext): Promise<void> {
    await this.inbox.process(ctx, async (manager) => {
      const charge = await this.provider.charge({
        idempotencyKey: `order-${order.id}`,
        amount: order.total,
        currency: order.currency,
        customerId: order.customerId,
        reference: order.id,
      });
      const completed = charge.status === 'succeeded';
      await manager.insert(PaymentEntity, {
        orderId: order.id,
        chargeId: charge.id,
        status: completed ? 'completed' : 'failed',
        amount: order.total,
        currency: order.currency,
        reason: charge.reason ?? null,
      });
      const outcome: PaymentOutcome = {
        orderId: order.id,
        paymentId: charge.id,
        amount: order.total,
        currency: order.currency,
        customerId: order.customerId,
        email: order.email,
        ...(charge.reason ? { reason: charge.reason } : {}),
      };
      await this.outbox.publish(
        { routingKey: completed ? ROUTING_KEYS.paymentCompleted : ROUTING_KEYS.paymentFailed, payload: outcome, messageId: `payment-${order.id}`, orderingKey: order.id },
        { transaction: manager },
      );
      this.logger.log(`order ${order.id}: charge ${charge.id} ${charge.status}`);
    });
  }
}
