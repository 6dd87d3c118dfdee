import type { RabbitMqBroker } from '../../src/drivers/rabbitmq/rabbitmq-broker.js';
import { createTestDatabase, waitFor, type TestDatabase } from '../../testing/index.js';
import { startAdminHttp, TOKENS, type AdminHttp } from '../admin/admin-test-app.js';
import { describeRabbitMq, uniqueQueue } from './rabbitmq-fixture.js';

describeRabbitMq('the admin API on the RabbitMQ driver, its own tables in PostgreSQL', (rabbit) => {
  let broker: RabbitMqBroker;
  let db: TestDatabase;
  let a: AdminHttp;
  const queue = uniqueQueue('admin-parcels');

  beforeAll(async () => {
    broker = await rabbit.broker();
    db = await createTestDatabase('admin_rabbit');
    a = await startAdminHttp(broker, db);
    await broker.declareQueue(queue, { maxAttempts: 1 });
    await broker.bindQueue(queue, 'parcel.*');
    await broker.publish(['p-1', 'p-2', 'p-3'].map((messageId) => ({ routingKey: 'parcel.sent', payload: { messageId }, messageId })));
    const held = await waitFor(async () => {
      const got = await broker.claim(queue, { limit: 3 });
      if (got.length > 0 && got.length < 3) await broker.nackMany(got, { delayMs: 0 });
      return got.length === 3 ? got : null;
    }, { what: 'three claimed' });
    await broker.nackMany(held.filter((d) => d.messageId !== 'p-3'), { error: new Error('carrier down') });
    await broker.release(held.find((d) => d.messageId === 'p-3')!);
    await waitFor(async () => (await broker.queueStats(`${queue}.dlq`)).ready === 2, { what: 'two dead letters' });
  });
  afterAll(async () => {
    await a.end();
    await db.drop();
  });

  it('lists the queue with its dead letters, and no rates where the engine keeps no counters', async () => {
    const { body } = await a.call('GET', '/api/queues', TOKENS.viewer);
    expect(body.find((q: { name: string }) => q.name === queue)).toMatchObject({ depth: { ready: 1, dead: 2 }, rates: null, paused: false, bindings: ['parcel.*'] });
  });

  it('browses the dead letters, shows one with its payload to an operator, and groups them', async () => {
    const page = await a.call('GET', `/api/queues/${queue}/messages?state=dead`, TOKENS.viewer);
    expect(page.body.messages.map((m: { messageId: string }) => m.messageId).sort()).toEqual(['p-1', 'p-2']);
    const detail = await a.call('GET', `/api/queues/${queue}.dlq/messages/p-1`, TOKENS.operator);
    expect(detail.body).toMatchObject({ messageId: 'p-1', payload: { messageId: 'p-1' }, redacted: false });
    const groups = (await a.call('GET', '/api/dead-letters', TOKENS.viewer)).body.filter((g: { sourceQueue: string }) => g.sourceQueue === queue);
    expect(groups).toEqual([expect.objectContaining({ deadLetterQueue: `${queue}.dlq`, count: 2 })]);
  });

  it('redrives one dead letter by id as a job, pauses and resumes, purges with the name repeated, and audits each in PostgreSQL', async () => {
    const job = await a.call('POST', '/api/redrives', TOKENS.operator, { from: `${queue}.dlq`, messageIds: ['p-2'] });
    expect(job.status).toBe(202);
    await waitFor(async () => (await a.call('GET', `/api/redrives/${job.body.id}`, TOKENS.viewer)).body.state === 'done', { what: 'the redrive' });
    await waitFor(async () => (await broker.queueStats(`${queue}.dlq`)).ready === 1, { what: 'one dead letter left' });
    expect((await a.call('POST', `/api/queues/${queue}/pause`, TOKENS.operator)).status).toBe(200);
    expect(await broker.pausedQueues()).toContain(queue);
    expect((await a.call('POST', `/api/queues/${queue}/resume`, TOKENS.operator)).status).toBe(200);
    expect(await broker.pausedQueues()).not.toContain(queue);
    expect((await a.call('POST', `/api/queues/${queue}/purge`, TOKENS.operator, { confirm: 'other' })).status).toBe(400);
    expect((await a.call('POST', `/api/queues/${queue}/purge`, TOKENS.operator, { confirm: queue })).body).toEqual({ purged: 2 });
    const actions = (await a.adminQuery<{ action: string }>('SELECT action FROM messaging_admin.audit ORDER BY id')).map((r) => r.action);
    expect(actions).toEqual(['redrive', 'pause', 'resume', 'purge']);
  });
});
