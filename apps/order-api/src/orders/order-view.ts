import { minorUnits } from './currencies.js';
import { formatMinorUnits } from './money.js';
import type { OrderEntity, OrderStatus } from './order.entity.js';

/** An order as the API returns it and as `order.created` carries it. */
export interface OrderView {
  id: string;
  status: OrderStatus;
  total: string;
  currency: string;
  items: { sku: string; quantity: number; unitPrice: string }[];
  createdAt: string;
}

export function toOrderView(order: OrderEntity): OrderView {
  const digits = minorUnits(order.currency);
  return {
    id: order.id,
    status: order.status,
    total: formatMinorUnits(BigInt(order.totalMinor), digits),
    currency: order.currency,
    items: [...order.items]
      .sort((a, b) => a.line - b.line)
      .map((item) => ({ sku: item.sku, quantity: item.quantity, unitPrice: formatMinorUnits(BigInt(item.unitPriceMinor), digits) })),
    createdAt: order.createdAt.toISOString(),
  };
}
