import { parseAdminTokens } from '../../src/index.js';
import { startAdminApp, TOKENS, type AdminApp } from './admin-test-app.js';

describe('admin API: bearer tokens and roles', () => {
  let a: AdminApp;

  beforeAll(async () => {
    a = await startAdminApp('admin_auth');
    await a.t.broker.declareQueue('invoices', { maxAttempts: 1 });
    await a.t.broker.bindQueue('invoices', 'invoice.*');
    await a.t.broker.publish([1, 2, 3].map((n) => ({ routingKey: 'invoice.created', payload: { n } })));
  });
  afterAll(() => a.close());

  const depth = async () => (await a.t.broker.queueStats('invoices')).ready;
  const auditCount = async () => Number((await a.adminQuery<{ n: string }>('SELECT count(*) AS n FROM messaging_admin.audit'))[0].n);

  it('tells each caller who it is', async () => {
    expect(await a.call('GET', '/api/whoami', TOKENS.viewer)).toEqual({ status: 200, body: { name: 'Vera Viewer', roles: ['viewer'] } });
    expect((await a.call('GET', '/api/whoami', TOKENS.reader)).body).toEqual({ name: 'Paul Reader', roles: ['viewer', 'payload:read'] });
    expect((await a.call('GET', '/api/whoami', TOKENS.operator)).body).toEqual({ name: 'Olga Operator', roles: ['operator'] });
  });

  it.each([
    ['no header', null],
    ['an unknown token', 'unknown-token-0123456789'],
    ['a token one character short', TOKENS.operator.slice(0, -1)],
  ])('answers 401 to %s, on reads and on actions, and changes nothing', async (_what, token) => {
    const before = { depth: await depth(), audit: await auditCount() };
    expect((await a.call('GET', '/api/whoami', token)).status).toBe(401);
    expect((await a.call('GET', '/api/topology', token)).status).toBe(401);
    const purge = await a.call('POST', '/api/queues/invoices/purge', token, { confirm: 'invoices' });
    expect(purge.status).toBe(401);
    const alerts = await a.call('PUT', '/api/queues/invoices/alerts', token, { deadLetterDepth: 1 });
    expect(alerts.status).toBe(401);
    expect({ depth: await depth(), audit: await auditCount() }).toEqual(before);
    expect((await a.call('GET', '/api/queues/invoices/alerts', TOKENS.viewer)).body).toEqual({ queue: 'invoices', firing: [] });
  });

  it('answers 401 with the challenge header, and to a malformed Authorization header', async () => {
    const response = await fetch(`${a.url}/admin/api/whoami`, { headers: { authorization: `Basic ${TOKENS.operator}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="messaging-admin"');
  });

  it.each([
    ['viewer', TOKENS.viewer],
    ['viewer with payload:read', TOKENS.reader],
  ])('answers 403 to a %s on every action, and changes nothing', async (_role, token) => {
    const before = { depth: await depth(), audit: await auditCount() };
    const refused = [
      await a.call('POST', '/api/queues/invoices/purge', token, { confirm: 'invoices' }),
      await a.call('POST', '/api/queues/invoices/pause', token),
      await a.call('POST', '/api/queues/invoices/resume', token),
      await a.call('PUT', '/api/queues/invoices/alerts', token, { deadLetterDepth: 1 }),
      await a.call('POST', '/api/redrives', token, { from: 'invoices.dlq' }),
      await a.call('DELETE', '/api/queues/invoices/messages/any-id', token),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(refused[0].body.message).toContain('needs the role operator');
    expect({ depth: await depth(), audit: await auditCount() }).toEqual(before);
    expect((await a.adminQuery('SELECT * FROM messaging_admin.redrive_jobs')).length).toBe(0);
    expect((await a.adminQuery('SELECT * FROM messaging_admin.alert_thresholds')).length).toBe(0);
  });

  it('refuses a tokens file with a short token, an unknown role or a repeated token, without echoing the token', () => {
    expect(() => parseAdminTokens('short viewer Ana')).toThrow(/at least 16 characters/);
    expect(() => parseAdminTokens('a-long-enough-token-1 admin Ana')).toThrow(/roles must be some of viewer, operator, payload:read/);
    expect(() => parseAdminTokens('a-long-enough-token-1 viewer Ana\na-long-enough-token-1 operator Bob')).toThrow(/repeats/);
    expect(() => parseAdminTokens('a-long-enough-token-1 viewer')).toThrow(/name/);
    try {
      parseAdminTokens('a-long-enough-token-1 admin Ana');
    } catch (error) {
      expect(String(error)).not.toContain('a-long-enough-token-1');
    }
    expect(parseAdminTokens('[{"token":"a-long-enough-token-1","roles":["operator"],"name":"Ana"}]')).toEqual([{ token: 'a-long-enough-token-1', roles: ['operator'], name: 'Ana' }]);
  });
});
