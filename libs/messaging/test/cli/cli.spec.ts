import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Delivery } from '../../src/index.js';
import { createTestBroker, waitFor, type TestBroker } from '../../testing/index.js';
import { CliProcess, jsonOf, runCli, runCliAtTerminal } from './cli-process.js';

// The real bin against a real PostgreSQL: each command's output, its --json form, and its exit code.
describe('pg-messaging CLI (PostgreSQL)', () => {
  let t: TestBroker;
  let cli: (args: string[], input?: string) => ReturnType<typeof runCli>;

  beforeAll(async () => {
    t = await createTestBroker('cli');
    await t.broker.declareQueue('orders', { maxAttempts: 1 });
    await t.broker.bindQueue('orders', 'order.*');
    await t.broker.declareQueue('audit', { maxAttempts: 1 });
    await t.broker.bindQueue('audit', '#');
    cli = (args, input) => runCli(['--schema', t.schema, ...args], { env: { DATABASE_URL: t.url, MESSAGING_DRIVER: undefined }, input });
  });
  afterAll(() => t.cleanup());

  async function deadLetter(count: number, prefix: string): Promise<void> {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
    await t.broker.publishToQueue('orders', ids.map((messageId) => ({ routingKey: 'order.created', payload: { messageId }, messageId })));
    await t.broker.nackMany(await t.broker.claim('orders', { limit: count }), { error: 'PaymentDeclinedError: card expired' });
  }
  const depth = async (queue: string) => {
    const stats = await t.broker.queueStats(queue);
    return stats.ready + stats.delayed + stats.leased;
  };
  const drain = async (queue: string) => {
    for (let batch = await t.broker.claim(queue, { limit: 500 }); batch.length > 0; batch = await t.broker.claim(queue, { limit: 500 })) await t.broker.ackMany(batch);
  };

  afterEach(async () => {
    for (const queue of ['orders', 'orders.dlq', 'audit', 'audit.dlq']) await drain(queue);
  });

  it('lists the queues as a table, and as one JSON document with --json', async () => {
    await deadLetter(2, 'list');
    await t.broker.publishToQueue('orders', [{ routingKey: 'order.created', payload: {} }]);
    const table = await cli(['queues']);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const ordersLine = table.stdout.split('\n').find((line) => line.includes(' orders '));
    expect(ordersLine?.split('│').map((cell) => cell.trim())).toEqual(['', 'orders', '1', '0', '0', '2', expect.stringMatching(/^\d+s$/), '0', '', 'order.*', '']);
    const json = jsonOf<{ name: string; ready: number; dead: number | null; bindings: string[] }[]>(await cli(['queues', '--json']));
    expect(json.map((q) => q.name)).toEqual(['audit', 'audit.dlq', 'orders', 'orders.dlq']);
    expect(json.find((q) => q.name === 'orders')).toMatchObject({ ready: 1, dead: 2, bindings: ['order.*'], deadLetterQueue: 'orders.dlq' });
    expect(json.find((q) => q.name === 'orders.dlq')).toMatchObject({ ready: 2, dead: null, deadLetterQueue: null });
  });

  it("shows one queue's options and depth; a queue that does not exist is exit 3", async () => {
    const shown = jsonOf<{ options: { maxAttempts: number }; bindings: string[]; deadLetterQueue: string }>(await cli(['--json', 'queue', 'show', 'orders']));
    expect(shown).toMatchObject({ name: 'orders', options: { maxAttempts: 1, leaseMs: 30_000 }, bindings: ['order.*'], deadLetterQueue: 'orders.dlq' });
    const table = await cli(['queue', 'show', 'orders']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ maxAttempts\s+│ 1\s+│/);
    const missing = await cli(['queue', 'show', 'no-such-queue']);
    expect(missing).toMatchObject({ code: 3, stdout: '' });
    expect(missing.stderr).toContain('Queue "no-such-queue" does not exist');
  });

  it('publishes inline JSON with headers, a delay and an id; from a file and from stdin; an unroutable key is exit 3', async () => {
    const published = jsonOf<{ messageId: string; copies: number }>(
      await cli(['--json', 'publish', 'order.created', '{"orderId":7}', '--header', 'tenant=acme', '--header', 'x=1=2', '--message-id', 'cli-1']),
    );
    expect(published).toEqual({ messageId: 'cli-1', routingKey: 'order.created', copies: 2 });
    const [delivery] = await t.broker.claim('orders');
    expect(delivery).toMatchObject({ messageId: 'cli-1', payload: { orderId: 7 }, headers: expect.objectContaining({ tenant: 'acme', x: '1=2' }) });

    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    writeFileSync(join(dir, 'payload.json'), '{"fromFile":true}');
    expect((await cli(['publish', 'order.paid', `@${join(dir, 'payload.json')}`, '--message-id', 'cli-2'])).code).toBe(0);
    expect((await cli(['publish', 'order.paid', '-', '--message-id', 'cli-3', '--delay', '60000'], '["from","stdin"]')).code).toBe(0);
    const ready = await t.broker.claim('orders', { limit: 10 });
    expect(ready.map((d: Delivery) => [d.messageId, d.payload])).toEqual([['cli-2', { fromFile: true }]]);
    expect(await t.broker.queueStats('orders')).toMatchObject({ delayed: 1 });
    const [stdin] = (await t.broker.browse('orders')).filter((d) => d.messageId === 'cli-3');
    expect(stdin.payload).toEqual(['from', 'stdin']);

    await t.broker.unbindQueue('audit', '#');
    try {
      const unroutable = await cli(['publish', 'invoice.sent', '{}']);
      expect(unroutable.code).toBe(3);
      expect(unroutable.stderr).toContain('No queue is bound to routing key(s) "invoice.sent"');
    } finally {
      await t.broker.bindQueue('audit', '#');
    }
  });

  it('refuses bad input with exit 2 and a clear message, before touching the broker', async () => {
    const before = await depth('orders');
    const notJson = await cli(['publish', 'order.created', '{oops']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('The payload argument is not JSON');
    expect(await depth('orders')).toBe(before);
    const badRate = await cli(['dlq', 'redrive', 'orders.dlq', '--rate', '0']);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toContain("option '--rate <n>' argument '0' is invalid. expected an integer from 1 to 100000");
    const badHeader = await cli(['publish', 'order.created', '{}', '--header', 'novalue']);
    expect(badHeader).toMatchObject({ code: 2 });
    expect(badHeader.stderr).toContain('expected name=value');
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['queue', 'show'])).stderr).toContain("missing required argument 'name'");
    const badName = await cli(['queue', 'show', 'no spaces allowed']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('Invalid queue name "no spaces allowed"');
  });

  it('refuses to purge without --yes when there is no terminal (exit 4, nothing purged), and purges with --yes', async () => {
    await deadLetter(3, 'purge');
    const refused = await cli(['dlq', 'purge', 'orders.dlq']);
    expect(refused).toMatchObject({ code: 4, stdout: '' });
    expect(refused.stderr).toContain('Purge 3 dead letters from orders.dlq? Refused: not confirmed (pass --yes');
    expect(await depth('orders.dlq')).toBe(3);
    const done = await cli(['dlq', 'purge', 'orders.dlq', '--yes', '--json', '--progress']);
    expect(jsonOf(done)).toEqual({ deadLetterQueue: 'orders.dlq', purged: 3 });
    expect(done.stderr).toContain('Purging orders.dlq');
    expect(await depth('orders.dlq')).toBe(0);
  });

  it("asks at a terminal: any answer but the queue's name refuses (exit 4, nothing purged); the name purges", async () => {
    await deadLetter(2, 'prompt');
    const atTerminal = (input: string) =>
      runCliAtTerminal(['--schema', t.schema, 'dlq', 'purge', 'orders.dlq'], { env: { DATABASE_URL: t.url, MESSAGING_DRIVER: undefined }, input });
    const wrong = await atTerminal('y\n');
    expect(wrong.code).toBe(4);
    expect(wrong.stdout).toContain('Purge 2 dead letters from orders.dlq? type "orders.dlq" to confirm:');
    expect(wrong.stdout).toContain('Not confirmed. Nothing was changed.');
    expect(await depth('orders.dlq')).toBe(2);
    const confirmed = await atTerminal('orders.dlq\n');
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toMatch(/│ orders\.dlq\s+│ 2\s+│/);
    expect(await depth('orders.dlq')).toBe(0);
  });

  it('redrives all only when confirmed, in batches at a rate with a progress bar; --limit moves that many', async () => {
    await deadLetter(5, 'redrive');
    expect((await cli(['dlq', 'redrive', 'orders.dlq'])).code).toBe(4);
    expect(await depth('orders.dlq')).toBe(5);

    const some = jsonOf<{ moved: number; left: number }>(await cli(['--json', 'dlq', 'redrive', 'orders.dlq', '--limit', '2']));
    expect(some).toEqual({ deadLetterQueue: 'orders.dlq', to: null, moved: 2, left: 3 });
    expect((await t.broker.claim('orders', { limit: 10 })).map((d) => [d.messageId, d.attempt])).toEqual([
      ['redrive-1', 1],
      ['redrive-2', 1],
    ]);

    const all = await cli(['dlq', 'redrive', 'orders.dlq', '--to', 'audit', '--rate', '2', '--yes', '--progress']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/│ orders\.dlq\s+│ audit\s+│ 3\s+│ 0\s+│/);
    // Batches of one second's worth at the rate: the bar is redrawn as they land, ending at 3/3.
    expect(all.stderr).toContain('Redriving orders.dlq');
    expect(all.stderr).toMatch(/3\/3 \| 100%/);
    expect((await t.broker.claim('audit', { limit: 10 })).map((d) => d.messageId)).toEqual(['redrive-3', 'redrive-4', 'redrive-5']);
  });

  it('tails the messages published after it started while the real consumer still gets each one, then removes its queue', async () => {
    const handled: string[] = [];
    const consumer = await t.broker.consume('orders', (delivery) => {
      handled.push(delivery.messageId);
    });
    try {
      await t.broker.publish({ routingKey: 'order.created', payload: { before: true }, messageId: 'before-tail' });
      await waitFor(() => handled.includes('before-tail'), { what: 'the consumer to get the message published before the tail' });
      const tail = new CliProcess(['--schema', t.schema, '--json', 'tail', 'orders', '--count', '1'], { env: { DATABASE_URL: t.url, MESSAGING_DRIVER: undefined } });
      await tail.waitForStderr('Following orders (order.*) through cli-tail.orders.');
      expect((await t.broker.listQueues()).map((q) => q.name)).toContainEqual(expect.stringMatching(/^cli-tail\.orders\.[0-9a-f]{8}$/));
      await t.broker.publish({ routingKey: 'order.created', payload: { orderId: 42 }, messageId: 'during-tail', headers: { tenant: 'acme' } });
      const result = await tail.exited;
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([expect.objectContaining({ queue: 'orders', messageId: 'during-tail', routingKey: 'order.created', payload: { orderId: 42 } })]);
      expect(lines[0].headers).toMatchObject({ tenant: 'acme' });
      await waitFor(() => handled.includes('during-tail'), { what: 'the real consumer to get the tailed message too' });
      expect((await t.broker.listQueues()).map((q) => q.name).filter((name) => name.startsWith('cli-tail.'))).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });

  it('deletes the queue of a killed tail (no consumer for over a minute) when the next tail starts', async () => {
    const killed = new CliProcess(['--schema', t.schema, 'tail', 'orders'], { env: { DATABASE_URL: t.url, MESSAGING_DRIVER: undefined } });
    await killed.waitForStderr('Following orders');
    killed.child.kill('SIGKILL');
    await killed.exited;
    const [left] = (await t.broker.listQueues()).map((q) => q.name).filter((name) => name.startsWith('cli-tail.'));
    expect(left).toMatch(/^cli-tail\.orders\.[0-9a-f]{8}$/);
    await t.broker.publish({ routingKey: 'order.created', payload: {}, messageId: 'kept-by-the-left-queue' });
    await t.query(`UPDATE "${t.schema}".queues SET created_at = now() - interval '2 minutes' WHERE name = $1`, [left]);
    await waitFor(async () => (await t.broker.consumerCounts())[left] === 0, { timeoutMs: 30_000, what: "the killed tail's consumer to drop out of the counts" });
    const next = new CliProcess(['--schema', t.schema, 'tail', 'orders'], { env: { DATABASE_URL: t.url, MESSAGING_DRIVER: undefined } });
    await next.waitForStderr('Following orders');
    expect(next.stderr).toContain(`Deleted ${left}, left by a tail that did not stop cleanly (1 message in it).`);
    next.child.kill('SIGINT');
    expect((await next.exited).code).toBe(0);
    expect((await t.broker.listQueues()).map((q) => q.name).filter((name) => name.startsWith('cli-tail.'))).toEqual([]);
  });

  it('stops a tail on SIGINT with exit 0 and deletes its queue; a queue without bindings cannot be tailed (exit 2)', async () => {
    const tail = new CliProcess(['--schema', t.schema, 'tail', 'audit'], { env: { DATABASE_URL: t.url, MESSAGING_DRIVER: undefined } });
    await tail.waitForStderr('Following audit (#)');
    await t.broker.publish({ routingKey: 'anything.at.all', payload: { n: 1 }, messageId: 'tail-table' });
    await waitFor(() => tail.stdout.includes('tail-table'), { what: 'the tail to print the message' });
    expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}anything\.at\.all {2}tail-table {2}\{"n":1\}\n$/);
    tail.child.kill('SIGINT');
    expect((await tail.exited).code).toBe(0);
    expect((await t.broker.listQueues()).map((q) => q.name).filter((name) => name.startsWith('cli-tail.'))).toEqual([]);

    const unbound = await cli(['tail', 'orders.dlq']);
    expect(unbound.code).toBe(2);
    expect(unbound.stderr).toContain('orders.dlq has no bindings');
    expect((await cli(['tail', 'nowhere'])).code).toBe(3);
  });

  it('runs as `npx pg-messaging` from the repository (the package.json bin), its help listing the exit codes', async () => {
    const help = await new CliProcess(['pg-messaging', '--help'], { command: ['npx'] }).exited;
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: pg-messaging [options] [command]');
    expect(help.stdout).toContain('4  refused: not confirmed');
    const listed = await new CliProcess(['pg-messaging', '--schema', t.schema, '--json', 'queues'], { command: ['npx'], env: { DATABASE_URL: t.url, MESSAGING_DRIVER: undefined } }).exited;
    expect(jsonOf<{ name: string }[]>(listed).map((q) => q.name)).toContain('orders');
  });

  it('lists dead letters grouped by origin, reason and error type, and a queue\'s dead letters page by page', async () => {
    await deadLetter(3, 'grouped');
    await t.broker.publishToQueue('orders', [{ routingKey: 'order.cancelled', payload: { n: 4 }, messageId: 'grouped-4' }]);
    await t.broker.nackMany(await t.broker.claim('orders'), { error: new TypeError('undefined is not a function'), reject: true });
    const all = jsonOf<{ groups: { sourceQueue: string; reason: string; errorType: string; count: number }[] }>(await cli(['--json', 'dlq', 'list']));
    expect(all.groups.map((g) => [g.sourceQueue, g.reason, g.errorType, g.count])).toEqual([
      ['orders', 'delivery_limit', 'PaymentDeclinedError', 3],
      ['orders', 'rejected', 'TypeError', 1],
    ]);
    const page = jsonOf<{ messages: { messageId: string }[]; nextCursor: string }>(await cli(['--json', 'dlq', 'list', 'orders.dlq', '--limit', '2']));
    expect(page.messages.map((m) => m.messageId)).toEqual(['grouped-1', 'grouped-2']);
    const next = jsonOf<{ messages: { messageId: string }[]; nextCursor: string | null }>(await cli(['--json', 'dlq', 'list', 'orders.dlq', '--limit', '2', '--cursor', page.nextCursor]));
    expect(next).toMatchObject({ messages: [{ messageId: 'grouped-3' }, { messageId: 'grouped-4' }], nextCursor: null });
    const filtered = await cli(['dlq', 'list', 'orders', '--error', 'not a FUNCTION']);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout).toMatch(/│ grouped-4\s+│ order\.cancelled\s+│ orders\s+│ rejected\s+│ \d+\s+│ \S+\s+│ TypeError: undefined is not a function/);
    expect(filtered.stdout).not.toContain('grouped-1');
    expect((await cli(['dlq', 'list', 'orders', '--reason', 'bored'])).code).toBe(2);
  });

  it('shows one dead letter with its payload and deaths; a message that is not there is exit 3', async () => {
    await deadLetter(1, 'show');
    const shown = jsonOf<{ messageId: string; payload: unknown; deaths: { queue: string; reason: string; lastError: string }[] }>(await cli(['--json', 'dlq', 'show', 'orders.dlq', 'show-1']));
    expect(shown).toMatchObject({ messageId: 'show-1', state: 'dead', payload: { messageId: 'show-1' }, deaths: [{ queue: 'orders', reason: 'delivery_limit', lastError: 'PaymentDeclinedError: card expired' }] });
    const table = await cli(['dlq', 'show', 'orders.dlq', 'show-1']);
    expect(table.stdout).toContain('"messageId": "show-1"');
    expect(table.stdout).toMatch(/│ orders\s+│ delivery_limit\s+│ 1\s+│/);
    const missing = await cli(['dlq', 'show', 'orders.dlq', 'never-was']);
    expect(missing).toMatchObject({ code: 3 });
    expect(missing.stderr).toContain('No message "never-was" in orders.dlq');
  });

  it('deletes one dead letter only when confirmed', async () => {
    await deadLetter(2, 'delete');
    expect((await cli(['dlq', 'delete', 'orders.dlq', 'delete-1'])).code).toBe(4);
    expect(await depth('orders.dlq')).toBe(2);
    expect(jsonOf(await cli(['--json', '--yes', 'dlq', 'delete', 'orders.dlq', 'delete-1']))).toEqual({ deadLetterQueue: 'orders.dlq', messageId: 'delete-1', deleted: true });
    expect((await t.broker.browse('orders.dlq')).map((d) => d.messageId)).toEqual(['delete-2']);
    expect((await cli(['--yes', 'dlq', 'delete', 'orders.dlq', 'delete-1'])).code).toBe(3);
  });

  it('redrives the ids given, or those a filter matches, without asking', async () => {
    await deadLetter(4, 'pick');
    await t.broker.publishToQueue('orders', [{ routingKey: 'order.refunded', payload: {}, messageId: 'pick-5' }]);
    await t.broker.nackMany(await t.broker.claim('orders'), { error: 'Error: refund window closed' });
    const byIds = jsonOf<{ moved: number; left: number }>(await cli(['--json', 'dlq', 'redrive', 'orders.dlq', '--ids', 'pick-2,pick-4']));
    expect(byIds).toMatchObject({ moved: 2, left: 3 });
    expect((await t.broker.claim('orders', { limit: 10 })).map((d) => d.messageId)).toEqual(['pick-2', 'pick-4']);
    const byFilter = jsonOf<{ moved: number; left: number }>(await cli(['--json', 'dlq', 'redrive', 'orders.dlq', '--routing-key', 'order.refunded', '--to', 'audit']));
    expect(byFilter).toMatchObject({ moved: 1, left: 2, to: 'audit' });
    expect((await t.broker.claim('audit')).map((d) => d.messageId)).toEqual(['pick-5']);
    const byError = jsonOf<{ moved: number; left: number }>(await cli(['--json', 'dlq', 'redrive', 'orders.dlq', '--error', 'card EXPIRED', '--limit', '1']));
    expect(byError).toMatchObject({ moved: 1, left: 1 });
    expect((await cli(['dlq', 'redrive', 'orders.dlq', '--ids', 'a,,b'])).code).toBe(2);
  });

  it('pauses and resumes a queue (seen by the broker and by `queues`), with consumers counted', async () => {
    const consumer = await t.broker.consume('audit', () => undefined);
    try {
      expect(jsonOf(await cli(['--json', 'pause', 'audit']))).toEqual({ queue: 'audit', paused: true });
      expect(await t.broker.pausedQueues()).toEqual(['audit']);
      const listed = await waitFor(async () => {
        const queues = jsonOf<{ name: string; paused: boolean; consumers: number }[]>(await cli(['--json', 'queues']));
        return queues.find((q) => q.name === 'audit' && q.consumers === 1);
      }, { timeoutMs: 30_000, what: 'the consumer to be counted' });
      expect(listed).toMatchObject({ paused: true, consumers: 1 });
      expect((await cli(['resume', 'audit'])).stdout).toBe('audit resumed.\n');
      expect(await t.broker.pausedQueues()).toEqual([]);
      expect((await cli(['pause', 'nowhere'])).code).toBe(3);
    } finally {
      await consumer.stop();
    }
  });

  it('says the connection failed with exit 5, and reads the database from DATABASE_URL or --database-url', async () => {
    const refused = await runCli(['queues', '--database-url', 'postgres://postgres@127.0.0.1:1/none'], { env: { MESSAGING_DRIVER: undefined } });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('Cannot connect to PostgreSQL: connect ECONNREFUSED 127.0.0.1:1');
    const wrongSchema = await runCli(['queues', '--schema', 'not_a_broker_schema', '--database-url', t.url], { env: { MESSAGING_DRIVER: undefined } });
    expect(wrongSchema.code).toBe(5);
    expect(wrongSchema.stderr).toContain('no broker tables there (is --schema right?');
    const noUrl = await runCli(['queues'], { env: { DATABASE_URL: undefined, MESSAGING_DRIVER: undefined } });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('needs --database-url or DATABASE_URL');
    expect((await runCli(['queues', '--driver', 'kafka'])).code).toBe(2);
  });
});
