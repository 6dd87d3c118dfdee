import { waitFor } from '../../testing/index.js';
import { startAdminApp, TOKENS, type AdminApp } from './admin-test-app.js';

describe('admin API: a redrive job outlives the process that started it', () => {
  let first: AdminApp;
  let second: AdminApp | undefined;

  beforeAll(async () => {
    first = await startAdminApp('admin_takeover', { redriveTakeoverMs: 1_000 });
    await first.t.broker.declareQueue('refunds', { maxAttempts: 1 });
    await first.t.broker.publishToQueue('refunds', Array.from({ length: 20 }, (_, i) => ({ routingKey: 'refund', payload: { i }, messageId: `refund-${i}` })));
    await first.t.broker.nackMany(await first.t.broker.claim('refunds', { limit: 20 }), { error: 'bank down' });
  });
  afterAll(async () => {
    await second?.close();
    await first.close();
  });

  it('is left running when its app stops mid-way, and another app resumes it from its progress to the end', async () => {
    const started = await first.call('POST', '/api/redrives', TOKENS.operator, { from: 'refunds.dlq', ratePerSecond: 5 });
    expect(started.status).toBe(202);
    await waitFor(async () => (await first.call('GET', `/api/redrives/${started.body.id}`, TOKENS.viewer)).body.moved > 0, { what: 'a first batch' });
    await first.stop();
    const [left] = await first.adminQuery<{ state: string; moved: number }>('SELECT state, moved FROM messaging_admin.redrive_jobs WHERE id = $1', [started.body.id]);
    expect(left.state).toBe('running');
    expect(left.moved).toBeGreaterThan(0);
    expect(left.moved).toBeLessThan(20);
    expect((await first.t.broker.queueStats('refunds.dlq')).ready).toBe(20 - left.moved);

    second = await startAdminApp('admin_takeover', { redriveTakeoverMs: 1_000 }, {}, first);
    const done = await waitFor(async () => {
      const { body } = await second!.call('GET', `/api/redrives/${started.body.id}`, TOKENS.viewer);
      return body.state === 'done' && body;
    }, { timeoutMs: 30_000, what: 'the resumed job to finish' });
    expect(done).toMatchObject({ moved: 20, total: 20, error: null });
    expect((await first.t.broker.queueStats('refunds.dlq')).ready).toBe(0);
    expect((await first.t.broker.queueStats('refunds')).ready).toBe(20);
  });
});
