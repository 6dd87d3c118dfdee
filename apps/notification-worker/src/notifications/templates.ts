import { ROUTING_KEYS, type OrderCreated, type PaymentOutcome } from '@app/contracts';
import type { Mail } from '../mail/mailer.js';

/** An order.* or payment.* event: which one it is, the routing key says. */
export type NotifiableEvent = OrderCreated | PaymentOutcome;

/** The right-hand side of every Message-ID the worker sends. */
export const MESSAGE_ID_DOMAIN = 'notifications.pg-messaging';

/**
 * The Message-ID of the mail a template makes for an event: the same for every send of it (a resend after a send in
 * doubt carries it, so receivers that keep Message-IDs drop the copy), and different for another template or event.
 * The event id is kept as it is when it fits a Message-ID's left side (RFC 5322 dot-atom), else it is hex-encoded.
 */
export function mailMessageId(template: string, eventMessageId: string): string {
  const atom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(eventMessageId)
    ? eventMessageId
    : `x${Buffer.from(eventMessageId).toString('hex')}`;
  return `<${atom}.${template.replace(/[^A-Za-z0-9-]/g, '-')}@${MESSAGE_ID_DOMAIN}>`;
}

/** The mail for an event, or null for events nobody is told about. */
export function mailFor(routingKey: string, event: NotifiableEvent, eventMessageId: string): Mail | null {
  const messageId = mailMessageId(routingKey, eventMessageId);
  switch (routingKey) {
    case ROUTING_KEYS.orderCreated: {
      const order = event as OrderCreated;
      const orderId = order.id ?? 'unknown';
      return {
        to: order.email,
        subject: `We received your order ${orderId}`,
        text: `Thank you! Your order ${orderId} of ${order.total} ${order.currency} is waiting for payment.`,
        messageId,
      };
    }
    case ROUTING_KEYS.paymentCompleted: {
      const payment = event as PaymentOutcome;
      const orderId = payment.orderId ?? 'unknown';
      return {
        to: payment.email,
        subject: `Payment received for order ${orderId}`,
        text: `We received ${payment.amount} ${payment.currency} for order ${orderId}. It is on its way.`,
        messageId,
      };
    }
    case ROUTING_KEYS.paymentFailed: {
      const payment = event as PaymentOutcome;
      const orderId = payment.orderId ?? 'unknown';
      return {
        to: payment.email,
        subject: `Payment failed for order ${orderId}`,
        text: `We could not charge ${payment.amount} ${payment.currency} for order ${orderId} (${payment.reason ?? 'declined'}). Please try another card.`,
        messageId,
      };
    }
    default:
      return null;
  }
}
