import type { Mail } from '../mail/mailer.js';

/** The fields of order.* and payment.* events the mails use. */
export interface NotifiableEvent {
  id?: string;
  orderId?: string;
  email: string;
  total?: string;
  amount?: string;
  currency: string;
  reason?: string;
}

/** The mail for an event, or null for events nobody is told about. */
export function mailFor(routingKey: string, event: NotifiableEvent, eventMessageId: string): Mail | null {
  const orderId = event.orderId ?? event.id ?? 'unknown';
  const messageId = `<${eventMessageId}@notifications.pg-messaging>`;
  switch (routingKey) {
    case 'order.created':
      return {
        to: event.email,
        subject: `We received your order ${orderId}`,
        text: `Thank you! Your order ${orderId} of ${event.total} ${event.currency} is waiting for payment.`,
        messageId,
      };
    case 'payment.completed':
      return {
        to: event.email,
        subject: `Payment received for order ${orderId}`,
        text: `We received ${event.amount} ${event.currency} for order ${orderId}. It is on its way.`,
        messageId,
      };
    case 'payment.failed':
      return {
        to: event.email,
        subject: `Payment failed for order ${orderId}`,
        text: `We could not charge ${event.amount} ${event.currency} for order ${orderId} (${event.reason ?? 'declined'}). Please try another card.`,
        messageId,
      };
    default:
      return null;
  }
}
