// The messages the order system's services exchange: one definition of each routing key and payload, imported by
// the publisher and every consumer (order-api publishes order.created and reads payment outcomes, payment-worker
// reads order.created and publishes the outcome, notification-worker mails about both).

/** The routing key of every event the services publish. */
export const ROUTING_KEYS = {
  orderCreated: 'order.created',
  paymentCompleted: 'payment.completed',
  paymentFailed: 'payment.failed',
} as const;

/** The topic patterns the services bind their queues with (`*` is one word). */
export const ROUTING_PATTERNS = {
  orderEvents: 'order.*',
  paymentEvents: 'payment.*',
} as const;

export type OrderEventRoutingKey = (typeof ROUTING_KEYS)[keyof typeof ROUTING_KEYS];
export type PaymentOutcomeRoutingKey = typeof ROUTING_KEYS.paymentCompleted | typeof ROUTING_KEYS.paymentFailed;

/** One line of an order; prices are decimal strings in the order's currency (e.g. "12.50"). */
export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice: string;
}

/** The payload of `order.created`: the order as the API returns it, plus who to charge and notify. */
export interface OrderCreated {
  id: string;
  /** The order's status when it was created: `pending`. */
  status: string;
  /** Decimal string in `currency`. */
  total: string;
  /** ISO 4217 code. */
  currency: string;
  items: OrderLine[];
  /** ISO 8601 time. */
  createdAt: string;
  customerId: string;
  email: string;
}

/** The payload of `payment.completed` and `payment.failed`. */
export interface PaymentOutcome {
  orderId: string;
  paymentId: string;
  /** Decimal string in `currency`: the order's total. */
  amount: string;
  currency: string;
  customerId: string;
  email: string;
  /** Why the provider declined (`payment.failed`), when it said. */
  reason?: string;
}

/** The payload each routing key carries. */
export interface OrderEventPayloads {
  [ROUTING_KEYS.orderCreated]: OrderCreated;
  [ROUTING_KEYS.paymentCompleted]: PaymentOutcome;
  [ROUTING_KEYS.paymentFailed]: PaymentOutcome;
}

/** Whether a routing key is one of the two payment outcomes. */
export function isPaymentOutcomeKey(routingKey: string): routingKey is PaymentOutcomeRoutingKey {
  return routingKey === ROUTING_KEYS.paymentCompleted || routingKey === ROUTING_KEYS.paymentFailed;
}
