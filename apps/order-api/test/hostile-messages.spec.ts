import { waitFor } from '@app/messaging/testing';
import { order, postJson } from './hostile/cases.js';
import { startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

// The order API's consumer of payment results takes messages from another service: a malformed one must change no
// order and be dead-lettered at once (reason rejected, one attempt), not retried ten times.
describe('order-api: hostile payment events', () => {
  let api: HostileOrderApi;
  let pendingId: string;
  beforeAll(async () => {
    api = await startHostileOrderApi('hostile_messages');
    pendingId = (await api.send({ ...postJson(order()), caller: 'c-pending' })).json.id;
  });
  afterAll(() => api.stop());

  it.each([
    ['no orderId', {}],
    ['a null orderId', { orderId: null }],
    ['an orderId that is not a UUID', { orderId: "x' OR '1'='1" }],
    ['an orderId that is an operator object', { orderId: { $ne: null } }],
    ['an orderId in an array', { orderId: ['3f1c2a4e-8b7d-4c6e-9f00-123456789abc'] }],
    ['a string payload', 'paid'],
    ['a null payload', null],
    ['an array payload', [{ orderId: '3f1c2a4e-8b7d-4c6e-9f00-123456789abc' }]],
  ])('dead-letters a payment.completed with %s at once and changes no order', async (_what, payload) => {
    const messageId = `hostile-${Math.random().toString(36).slice(2)}`;
    await api.broker.publish({ routingKey: 'payment.completed', payload, messageId });
    const dead = await waitFor(async () => (await api.broker.browse('orders.payment-events.dlq', { limit: 100 })).filter((d) => d.messageId === messageId), {
      what: 'the event to be dead-lettered',
    });
    expect(dead[0].deaths[0]).toMatchObject({ reason: 'rejected', count: 1 });
    const { rows } = await api.orders.query('SELECT id, status FROM orders');
    expect(rows).toEqual([{ id: pendingId, status: 'pending' }]);
    expect(await api.live()).toBe(200);
  });

  it('still applies a valid payment result (a control)', async () => {
    await api.broker.publish({ routingKey: 'payment.completed', payload: { orderId: pendingId }, messageId: `payment-${pendingId}` });
    await waitFor(async () => (await api.orders.query("SELECT 1 FROM orders WHERE status = 'paid'")).rows.length === 1, { what: 'the order to be paid' });
  });
});
