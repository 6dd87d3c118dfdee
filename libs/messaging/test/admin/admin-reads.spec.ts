import { startWebhookReceiver, waitFor, type RunningWebhookReceiver } from '../../testing/index.js';
import { startAdminApp, TOKENS, type AdminApp } from './admin-test-app.js';

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}
class TimeoutError extends Error {
  override name = 'TimeoutError';
}

describe('admin API: queues, messages, dead letters, pause and threshold alerts', () => {
  let a: AdminApp;
  let webhook: RunningWebhookReceiver;

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    a = await startAdminApp('admin_reads', { sampleIntervalMs: 200, alertCheckIntervalMs: 200, alertWebhookUrl: webhook.url }, { activityFlushIntervalMs: 100 });
    await a.t.broker.declareQueue('payments', { maxAttempts: 1 });
    await a.t.broker.bindQueue('payments', 'payment.*');
    await a.t.broker.publish([
      { routingKey: 'payment.captured', payload: { card: 'visa', email: 'ada@example.com' }, messageId: 'pay-ok-1' },
      { routingKey: 'payment.captured', payload: { big: 'x'.repeat(100_000) }, messageId: 'pay-big' },
      { routingKey: 'payment.refunded', payload: { n: 3 }, messageId: 'pay-later', delayMs: 3_600_000 },
    ]);
    // Three dead letters: two declined, one a timeout.
    await a.t.broker.publish(['dead-1', 'dead-2', 'dead-3'].map((messageId) => ({ routingKey: 'payment.failed', payload: { messageId }, messageId })));
    const held = await a.t.broker.claim('payments', { limit: 10 });
    const dying = held.filter((d) => d.messageId.startsWith('dead-'));
    await a.t.broker.release(held.find((d) => d.messageId === 'pay-ok-1')!);
    await a.t.broker.release(held.find((d) => d.messageId === 'pay-big')!);
    await a.t.broker.nack(dying[0], { error: new PaymentDeclinedError('card declined for ada@example.com') });
    await a.t.broker.nack(dying[1], { error: new PaymentDeclinedError('card declined') });
    await a.t.broker.nack(dying[2], { error: new TimeoutError('provider slow') });
  });
  afterAll(async () => {
    await a.close();
    await webhook.close();
  });

  const auditActions = async () => (await a.adminQuery<{ action: string; queue: string; actor: string }>('SELECT action, queue, actor FROM messaging_admin.audit ORDER BY id')).map((r) => `${r.actor}:${r.action}:${r.queue}`);

  it('lists queues with depth by state (dead included), oldest age, rates, consumers, pause, options and bindings', async () => {
    const { status, body } = await a.call('GET', '/api/queues', TOKENS.viewer);
    expect(status).toBe(200);
    const payments = body.find((q: { name: string }) => q.name === 'payments');
    expect(payments).toMatchObject({
      name: 'payments',
      depth: { ready: 2, delayed: 1, leased: 0, dead: 3 },
      consumers: 0,
      paused: false,
      bindings: ['payment.*'],
      deadLetterQueue: 'payments.dlq',
      options: expect.objectContaining({ maxAttempts: 1, deadLetterQueue: 'payments.dlq' }),
    });
    expect(payments.oldestAgeSeconds).toBeGreaterThan(0);
    // Six published into payments over the last minute (rates are per second).
    const rates = await waitFor(async () => {
      const queues = (await a.call('GET', '/api/queues', TOKENS.viewer)).body;
      const r = queues.find((q: { name: string }) => q.name === 'payments').rates;
      return r.in1m > 0 && r;
    }, { what: 'the activity counters to reach the rates' });
    expect(rates.in1m).toBeCloseTo(6 / 60, 3);
    expect(rates.in5m).toBeCloseTo(6 / 300, 3);
    expect(rates.out1m).toBeCloseTo(3 / 60, 3);
    expect(body.find((q: { name: string }) => q.name === 'payments.dlq').depth).toMatchObject({ ready: 3 });
  });

  it('shows one queue with the samples of the last hour, 404 for an unknown one, 400 for a bad name', async () => {
    const detail = await waitFor(async () => {
      const { body } = await a.call('GET', '/api/queues/payments', TOKENS.viewer);
      return body.samples.length >= 2 && body;
    }, { what: 'two samples' });
    expect(detail.samples[0]).toMatchObject({ ready: 2, dead: 3 });
    expect(Date.parse(detail.samples[0].at)).toBeLessThan(Date.parse(detail.samples[1].at));
    expect((await a.call('GET', '/api/queues/nothing', TOKENS.viewer)).status).toBe(404);
    expect((await a.call('GET', '/api/queues/%20bad', TOKENS.viewer)).status).toBe(400);
  });

  it('browses by state, oldest or newest first, paged by cursor, and refuses a page over 500', async () => {
    const ready = await a.call('GET', '/api/queues/payments/messages?state=ready', TOKENS.viewer);
    expect(ready.body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['pay-ok-1', 'pay-big']);
    const delayed = await a.call('GET', '/api/queues/payments/messages?state=delayed', TOKENS.viewer);
    expect(delayed.body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['pay-later']);
    const first = await a.call('GET', '/api/queues/payments/messages?state=dead&order=newest&limit=2', TOKENS.viewer);
    expect(first.body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['dead-3', 'dead-2']);
    expect(first.body.messages[0]).not.toHaveProperty('payload');
    const second = await a.call('GET', `/api/queues/payments/messages?state=dead&order=newest&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, TOKENS.viewer);
    expect(second.body).toMatchObject({ messages: [expect.objectContaining({ messageId: 'dead-1' })], nextCursor: null });
    // Error text is redacted for everyone; filtered by error text.
    expect(second.body.messages[0].lastError).toContain('card declined for [email]');
    const declined = await a.call('GET', '/api/queues/payments/messages?state=dead&error=declined', TOKENS.viewer);
    expect(declined.body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['dead-1', 'dead-2']);
    for (const query of ['limit=501', 'limit=0', 'limit=x', 'state=lost', 'order=random', 'reason=bored']) {
      expect([query, (await a.call('GET', `/api/queues/payments/messages?${query}`, TOKENS.viewer)).status]).toEqual([query, 400]);
    }
  });

  it('shows a payload to operators and payload:read holders, capped at 64 KiB, and redacts it for a viewer', async () => {
    const asViewer = await a.call('GET', '/api/queues/payments/messages/pay-ok-1', TOKENS.viewer);
    expect(asViewer.body).toMatchObject({ messageId: 'pay-ok-1', payload: null, redacted: true, truncated: false, routingKey: 'payment.captured' });
    expect(asViewer.body.payloadBytes).toBeGreaterThan(0);
    const asReader = await a.call('GET', '/api/queues/payments/messages/pay-ok-1', TOKENS.reader);
    expect(asReader.body).toMatchObject({ payload: { card: 'visa', email: 'ada@example.com' }, redacted: false });
    const big = await a.call('GET', '/api/queues/payments/messages/pay-big', TOKENS.operator);
    expect(big.body).toMatchObject({ truncated: true, redacted: false });
    expect(Buffer.byteLength(big.body.payload)).toBe(64 * 1024);
    expect(big.body.payloadBytes).toBeGreaterThan(100_000);
    const dead = await a.call('GET', '/api/queues/payments.dlq/messages/dead-1', TOKENS.operator);
    expect(dead.body.deaths[0]).toMatchObject({ queue: 'payments', reason: 'delivery_limit', lastError: expect.stringContaining('[email]') });
    expect((await a.call('GET', '/api/queues/payments/messages/none-such', TOKENS.operator)).status).toBe(404);
  });

  it('groups dead letters by source queue, reason and error type', async () => {
    const { body } = await a.call('GET', '/api/dead-letters', TOKENS.viewer);
    const groups = body.map((g: { sourceQueue: string; reason: string; errorType: string; count: number }) => [g.sourceQueue, g.reason, g.errorType, g.count]).sort();
    expect(groups).toEqual([
      ['payments', 'delivery_limit', 'PaymentDeclinedError', 2],
      ['payments', 'delivery_limit', 'TimeoutError', 1],
    ]);
  });

  it('fires a dead-letter-depth alert through the webhook once when the threshold is crossed, and not again', async () => {
    await a.call('PUT', '/api/queues/payments/alerts', TOKENS.operator, { deadLetterDepth: 2 });
    const posted = await waitFor(() => webhook.posts.filter((p) => p.text.includes('Queue payments')), { what: 'the threshold alert' });
    expect(posted).toEqual([{ text: ':rotating_light: Queue payments: 3 dead letters, above its threshold of 2' }]);
    expect(a.lines.some((line) => line.level === 'error' && line.message === 'Queue payments: 3 dead letters, above its threshold of 2')).toBe(true);
    await waitFor(async () => (await a.call('GET', '/api/queues/payments/alerts', TOKENS.viewer)).body.firing.includes('deadLetterDepth'), { what: 'the firing state' });
    // Further checks (every 200 ms) raise nothing while it stays above.
    const samplesBefore = (await a.adminQuery('SELECT at FROM messaging_admin.queue_samples WHERE queue = $1', ['payments'])).length;
    await waitFor(async () => (await a.adminQuery('SELECT at FROM messaging_admin.queue_samples WHERE queue = $1', ['payments'])).length >= samplesBefore + 3, { what: 'more rounds' });
    expect(webhook.posts.filter((p) => p.text.includes('Queue payments'))).toHaveLength(1);
  });

  it('redrives selected ids and a filter through the API, each a job', async () => {
    const byIds = await a.call('POST', '/api/redrives', TOKENS.operator, { from: 'payments.dlq', messageIds: ['dead-3'] });
    expect(byIds).toMatchObject({ status: 202, body: { total: 1 } });
    await waitFor(async () => (await a.call('GET', `/api/redrives/${byIds.body.id}`, TOKENS.viewer)).body.state === 'done', { what: 'the id redrive' });
    expect((await a.call('GET', `/api/redrives/${byIds.body.id}`, TOKENS.viewer)).body.moved).toBe(1);
    const byFilter = await a.call('POST', '/api/redrives', TOKENS.operator, { from: 'payments.dlq', filter: { errorText: 'declined' }, limit: 1 });
    expect(byFilter).toMatchObject({ status: 202, body: { total: 1 } });
    await waitFor(async () => (await a.call('GET', `/api/redrives/${byFilter.body.id}`, TOKENS.viewer)).body.state === 'done', { what: 'the filter redrive' });
    const left = (await a.call('GET', '/api/queues/payments/messages?state=dead', TOKENS.viewer)).body.messages.map((m: { messageId: string }) => m.messageId);
    expect(left).toEqual(['dead-2']);
    const back = (await a.call('GET', '/api/queues/payments/messages?state=ready', TOKENS.viewer)).body.messages.map((m: { messageId: string }) => m.messageId);
    expect(back).toEqual(expect.arrayContaining(['dead-3', 'dead-1']));
  });

  it('deletes one message for an operator (404 when gone, 409 while leased), and audits it', async () => {
    expect(await a.call('DELETE', '/api/queues/payments/messages/pay-ok-1', TOKENS.operator)).toEqual({ status: 200, body: { deleted: true } });
    expect((await a.call('GET', '/api/queues/payments/messages/pay-ok-1', TOKENS.operator)).status).toBe(404);
    expect((await a.call('DELETE', '/api/queues/payments/messages/pay-ok-1', TOKENS.operator)).status).toBe(404);
    const [held] = await a.t.broker.claim('payments', { limit: 1 });
    expect((await a.call('DELETE', `/api/queues/payments/messages/${held.messageId}`, TOKENS.operator)).status).toBe(409);
    await a.t.broker.release(held);
    expect(await auditActions()).toContain('Olga Operator:message.delete:payments');
  });

  it('pauses and resumes through the broker, shown in the queue list and audited', async () => {
    expect(await a.call('POST', '/api/queues/payments/pause', TOKENS.operator)).toEqual({ status: 200, body: { paused: true } });
    expect(await a.t.broker.pausedQueues()).toEqual(['payments']);
    expect((await a.call('GET', '/api/queues/payments', TOKENS.viewer)).body.paused).toBe(true);
    expect(await a.call('POST', '/api/queues/payments/resume', TOKENS.operator)).toEqual({ status: 200, body: { paused: false } });
    expect(await a.t.broker.pausedQueues()).toEqual([]);
    expect((await a.call('POST', '/api/queues/nothing/pause', TOKENS.operator)).status).toBe(404);
    const actions = await auditActions();
    expect(actions.slice(-2)).toEqual(['Olga Operator:pause:payments', 'Olga Operator:resume:payments']);
  });
});
