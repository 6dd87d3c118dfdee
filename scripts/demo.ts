// `npm run demo`: places a few orders on the running system (npm start) and shows how each one flowed.
//   ORDER_API_URL (default http://127.0.0.1:3000). Each customer's bearer token is signed with npm start's key
//   (.data/secrets/order-api-jwt-secret, or ORDER_API_JWT_SECRET / ORDER_API_JWT_SECRET_FILE when set).
import { signCustomerToken } from '../apps/order-api/src/auth/customer-token.js';
import { developmentAuth } from './system/dev-secrets.js';

const api = process.env.ORDER_API_URL ?? 'http://127.0.0.1:3000';
const auth = developmentAuth();
const authorization = (customerId: string) => `Bearer ${signCustomerToken(auth, customerId)}`;

interface Order {
  id: string;
  status: string;
  total: string;
  currency: string;
}

interface Placed extends Order {
  customerId: string;
}

/** Places an order as `customerId` (the customer is the token's, not a field of the body). */
async function place(label: string, customerId: string, body: Record<string, unknown>): Promise<Placed> {
  const response = await fetch(`${api}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: authorization(customerId), 'idempotency-key': `demo-${label}-${Date.now()}` },
    body: JSON.stringify(body),
  });
  const order = (await response.json()) as Order;
  if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(order)}`);
  console.log(`${label.padEnd(12)} placed ${order.id}: ${order.total} ${order.currency}, ${order.status}`);
  return { ...order, customerId };
}

async function settled(label: string, order: Placed): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = (await (await fetch(`${api}/orders/${order.id}`, { headers: { authorization: authorization(order.customerId) } })).json()) as Order;
    if (current.status !== 'pending' || Date.now() > deadline) {
      console.log(`${label.padEnd(12)} ${order.id} is now ${current.status}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const items = [
  { sku: 'espresso-beans-1kg', quantity: 2, unitPrice: '18.90' },
  { sku: 'milk-frother', quantity: 1, unitPrice: 49 },
];
const orders: [string, Placed][] = [
  ['paid', await place('paid', 'cust-ada', { email: 'ada@example.com', currency: 'EUR', items })],
  ['declined', await place('declined', 'decline-bob', { email: 'bob@example.com', currency: 'EUR', items })],
  ['dead-letter', await place('dead-letter', 'cust-eve', { email: 'eve@bounce.example', currency: 'EUR', items })],
];
await Promise.all(orders.map(([label, order]) => settled(label, order)));
console.log(`
What happened:
  paid         order.created -> payment-worker charged it -> payment.completed -> order paid; two mails (see the smtp-catcher lines)
  declined     the simulator declines customers named decline-*: payment.failed -> order payment_failed; two mails
  dead-letter  paid, but eve@bounce.example does not exist: the SMTP server answers 550 (permanent), so the
               handler rejects the mail at once (RejectMessageError): it moves to notifications.*.dlq, and the alerter logs a dead_letter line (and posts to ALERT_WEBHOOK_URL if set)
`);
