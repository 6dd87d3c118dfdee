import { waitFor } from '../../testing/index.js';
import { startAdminApp, TOKENS, type AdminApp } from './admin-test-app.js';

describe('admin API: purge, redrive jobs, topology, thresholds and the audit trail', () => {
  let a: AdminApp;

  beforeAll(async () => {
    a = await startAdminApp('admin_actions');
    for (const [queue, pattern] of [['invoices', 'invoice.*'], ['audit-trail', 'invoice.#'], ['shipping', 'shipment.created']]) {
      await a.t.broker.declareQueue(queue, { maxAttempts: 1 });
      await a.t.broker.bindQueue(queue, pattern);
    }
  });
  afterAll(() => a.close());

  async function deadLetter(queue: string, count: number, prefix: string): Promise<void> {
    await a.t.broker.publishToQueue(queue, Array.from({ length: count }, (_, i) => ({ routingKey: `invoice.${prefix}`, payload: { i }, messageId: `${prefix}-${i}` })));
    const held = await a.t.broker.claim(queue, { limit: count });
    await a.t.broker.nackMany(held, { error: 'renderer down' });
  }
  const auditRows = () => a.adminQuery<{ actor: string; action: string; queue: string; count: number; details: Record<string, unknown> }>('SELECT actor, action, queue, count, details FROM messaging_admin.audit ORDER BY id');

  it('purges only when the body repeats the queue name (400 otherwise, nothing purged), and audits the purge', async () => {
    await a.t.broker.publishToQueue('shipping', [1, 2, 3, 4].map((i) => ({ routingKey: 'shipment.created', payload: { i } })));
    for (const body of [undefined, {}, { confirm: 'shippin' }, { confirm: 'SHIPPING' }, { confirm: 'shipping', extra: 1 }]) {
      const refused = await a.call('POST', '/api/queues/shipping/purge', TOKENS.operator, body);
      expect(refused.status).toBe(400);
    }
    expect((await a.t.broker.queueStats('shipping')).ready).toBe(4);
    expect(await auditRows()).toEqual([]);
    expect(await a.call('POST', '/api/queues/shipping/purge', TOKENS.operator, { confirm: 'shipping' })).toEqual({ status: 200, body: { purged: 4 } });
    expect((await a.t.broker.queueStats('shipping')).ready).toBe(0);
    expect(await auditRows()).toEqual([{ actor: 'Olga Operator', action: 'purge', queue: 'shipping', count: 4, details: {} }]);
    expect(a.lines.some((line) => line.message === 'Admin Olga Operator: purge shipping (4)')).toBe(true);
    expect((await a.call('POST', '/api/queues/nowhere/purge', TOKENS.operator, { confirm: 'nowhere' })).status).toBe(404);
    expect((await a.call('POST', '/api/queues/bad%20name/purge', TOKENS.operator, { confirm: 'bad name' })).status).toBe(400);
  });

  it('redrives at a rate as a background job whose progress is read while it runs, then audits it', async () => {
    await deadLetter('invoices', 30, 'paced');
    expect((await a.t.broker.queueStats('invoices.dlq')).ready).toBe(30);
    const started = await a.call('POST', '/api/redrives', TOKENS.operator, { from: 'invoices.dlq', ratePerSecond: 10 });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'running', from: 'invoices.dlq', to: null, total: 30, ratePerSecond: 10, actor: 'Olga Operator' });
    const seen: { state: string; moved: number }[] = [];
    const done = await waitFor(
      async () => {
        const { body } = await a.call('GET', `/api/redrives/${started.body.id}`, TOKENS.viewer);
        seen.push({ state: body.state, moved: body.moved });
        return body.state === 'done' && body;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'the redrive job to finish' },
    );
    expect(done).toMatchObject({ moved: 30, total: 30, error: null });
    expect(done.finishedAt).not.toBeNull();
    // Read while running: progress between none and all, never going back.
    expect(seen.some(({ state, moved }) => state === 'running' && moved > 0 && moved < 30)).toBe(true);
    expect(seen.map((s) => s.moved)).toEqual([...seen.map((s) => s.moved)].sort((x, y) => x - y));
    expect((await a.t.broker.queueStats('invoices.dlq')).ready).toBe(0);
    expect((await a.t.broker.queueStats('invoices')).ready).toBe(30);
    expect((await auditRows()).at(-1)).toMatchObject({ actor: 'Olga Operator', action: 'redrive', queue: 'invoices.dlq', count: 30, details: { job: started.body.id, ratePerSecond: 10 } });
    expect((await a.adminQuery('SELECT state, moved FROM messaging_admin.redrive_jobs WHERE id = $1', [started.body.id]))).toEqual([{ state: 'done', moved: 30 }]);
  });

  it('answers 400 to a bad redrive, 404 to an unknown queue or job, and starts nothing', async () => {
    const bad = [
      {},
      { from: 'invoices.dlq', ratePerSecond: 1001 },
      { from: 'invoices.dlq', ratePerSecond: 0 },
      { from: 'invoices.dlq', ratePerSecond: 2.5 },
      { from: 'invoices.dlq', limit: -1 },
      { from: 'invoices.dlq', messageIds: [] },
      { from: 'invoices.dlq', messageIds: ['has space'] },
      { from: 'invoices.dlq', messageIds: ['a'], filter: { reason: 'rejected' } },
      { from: 'invoices.dlq', filter: { reason: 'bored' } },
      { from: 'invoices.dlq', filter: { colour: 'red' } },
      { from: 'invoices.dlq', to: '../etc' },
      { from: 'invoices.dlq', unknown: true },
    ];
    const before = (await a.adminQuery('SELECT id FROM messaging_admin.redrive_jobs')).length;
    for (const body of bad) {
      const response = await a.call('POST', '/api/redrives', TOKENS.operator, body);
      expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), 400]);
      expect(typeof response.body.message).toBe('string');
    }
    expect((await a.call('POST', '/api/redrives', TOKENS.operator, { from: 'missing.dlq' })).status).toBe(404);
    expect((await a.call('GET', '/api/redrives/00000000-0000-0000-0000-000000000000', TOKENS.viewer)).status).toBe(404);
    expect((await a.call('GET', '/api/redrives/not-a-uuid', TOKENS.viewer)).status).toBe(400);
    expect((await a.adminQuery('SELECT id FROM messaging_admin.redrive_jobs')).length).toBe(before);
  });

  it('shows the bindings and tells which queues a routing key reaches, by the topic rules', async () => {
    const { body } = await a.call('GET', '/api/topology', TOKENS.viewer);
    expect(body.exchange).toBe('messaging');
    expect(body.bindings).toEqual(expect.arrayContaining([{ queue: 'invoices', pattern: 'invoice.*' }, { queue: 'audit-trail', pattern: 'invoice.#' }, { queue: 'shipping', pattern: 'shipment.created' }]));
    const route = async (key: string) => (await a.call('GET', `/api/topology/route?key=${encodeURIComponent(key)}`, TOKENS.viewer)).body.queues.sort();
    expect(await route('invoice.created')).toEqual(['audit-trail', 'invoices']);
    expect(await route('invoice.created.eu')).toEqual(['audit-trail']);
    expect(await route('invoice')).toEqual(['audit-trail']);
    expect(await route('shipment.created')).toEqual(['shipping']);
    expect(await route('nothing.here')).toEqual([]);
    expect((await a.call('GET', '/api/topology/route', TOKENS.viewer)).status).toBe(400);
    expect((await a.call('GET', `/api/topology/route?key=${'a'.repeat(256)}`, TOKENS.viewer)).status).toBe(400);
  });

  it('stores thresholds per queue for operators, refuses bad ones with 400, and audits the change', async () => {
    const put = await a.call('PUT', '/api/queues/invoices/alerts', TOKENS.operator, { deadLetterDepth: 5, oldestAgeSeconds: 600 });
    expect(put).toEqual({ status: 200, body: { queue: 'invoices', deadLetterDepth: 5, oldestAgeSeconds: 600, firing: [] } });
    expect((await a.call('GET', '/api/queues/invoices/alerts', TOKENS.viewer)).body).toEqual(put.body);
    for (const body of [{ deadLetterDepth: -1 }, { deadLetterDepth: 1.5 }, { arrivalRatePerSecond: 'fast' }, { depth: 3 }, []]) {
      expect((await a.call('PUT', '/api/queues/invoices/alerts', TOKENS.operator, body)).status).toBe(400);
    }
    expect((await a.call('PUT', '/api/queues/missing/alerts', TOKENS.operator, { deadLetterDepth: 1 })).status).toBe(404);
    expect((await a.call('GET', '/api/queues/invoices/alerts', TOKENS.viewer)).body).toEqual(put.body);
    expect((await auditRows()).at(-1)).toEqual({ actor: 'Olga Operator', action: 'alerts.update', queue: 'invoices', count: null, details: { deadLetterDepth: 5, oldestAgeSeconds: 600 } });
  });

  it('pages the audit trail newest first, with a limit of at most 500', async () => {
    const all = (await auditRows()).map((row) => row.action).reverse();
    const first = await a.call('GET', '/api/audit?limit=2', TOKENS.viewer);
    expect(first.body.entries.map((e: { action: string }) => e.action)).toEqual(all.slice(0, 2));
    expect(first.body.entries[0]).toMatchObject({ actor: 'Olga Operator', queue: 'invoices' });
    const second = await a.call('GET', `/api/audit?limit=2&cursor=${first.body.nextCursor}`, TOKENS.viewer);
    expect(second.body.entries.map((e: { action: string }) => e.action)).toEqual(all.slice(2, 4));
    expect((await a.call('GET', '/api/audit?limit=501', TOKENS.viewer)).status).toBe(400);
    expect((await a.call('GET', '/api/audit?limit=ten', TOKENS.viewer)).status).toBe(400);
    expect((await a.call('GET', '/api/audit?cursor=x', TOKENS.viewer)).status).toBe(400);
  });
});
