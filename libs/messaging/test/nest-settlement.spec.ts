import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import {
  Consume,
  MessagingExceptionFilter,
  PgContext,
  PgServer,
  RejectMessageError,
  RetryMessageError,
  type DeadLetteredEvent,
  type Delivery,
} from '../src/index.js';
import { createTestBroker, freePort, TsProcess, waitFor, type TestBroker } from '../testing/index.js';
import { startBusySmtpServer } from './fixtures/busy-smtp-server.js';

/** When each attempt of a message started, by message id. */
const attempts = new Map<string, number[]>();
const started = (ctx: PgContext) => attempts.set(ctx.getMessageId(), [...(attempts.get(ctx.getMessageId()) ?? []), Date.now()]);
const RETRY_DELAY_MS = 400;

@Controller()
class SettlingHandlers {
  @Consume('mail.refused', { maxAttempts: 5 })
  refused(@Ctx() ctx: PgContext) {
    started(ctx);
    throw new RejectMessageError('mailbox does not exist', { cause: new Error('550 5.1.1 no such mailbox') });
  }

  @Consume('mail.unwanted', { maxAttempts: 5 })
  async unwanted(@Ctx() ctx: PgContext) {
    started(ctx);
    await ctx.reject('not for us');
  }

  @Consume('mail.later', { maxAttempts: 5, retryBaseMs: 0, retryMaxMs: 0 })
  later(@Ctx() ctx: PgContext) {
    started(ctx);
    if (ctx.getAttempt() === 1) throw new RetryMessageError('rate limited', { delayMs: RETRY_DELAY_MS });
  }

  @Consume('mail.too-late', { maxAttempts: 1 })
  tooLate() {
    throw new RetryMessageError('in 13 hours', { delayMs: 13 * 3_600_000 });
  }

  @Consume('mail.at', { maxAttempts: 5, retryBaseMs: 0, retryMaxMs: 0 })
  async at(@Payload() data: { at: string }, @Ctx() ctx: PgContext) {
    started(ctx);
    if (ctx.getAttempt() === 1) await ctx.retry({ deliverAt: new Date(data.at) }, 'come back later');
  }
}

describe('settling from a Nest handler', () => {
  let t: TestBroker;
  let app: INestMicroservice;
  const errors: unknown[] = [];
  const deadLettered: DeadLetteredEvent[] = [];

  beforeAll(async () => {
    t = await createTestBroker('nest_settlement');
    @Module({ controllers: [SettlingHandlers] })
    class WorkerModule {}
    const server = new PgServer({ serviceName: 'mail', broker: t.broker, consumerDefaults: { pollIntervalMs: 100 } });
    server.on('error', (error) => errors.push(error));
    server.on('dead-lettered', (event) => deadLettered.push(event));
    app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, { strategy: server, logger: false });
    app.useGlobalFilters(new MessagingExceptionFilter());
    await app.listen();
  });
  afterAll(async () => {
    await app.close();
    await t.cleanup();
  });

  /** Publishes to `routingKey` and returns the dead letter its handler's queue `mail.settling-handlers.<method>` got. */
  async function deadLetterOf(routingKey: string, method: string): Promise<Delivery> {
    const { messageIds: [id] } = await t.broker.publish({ routingKey, payload: {} });
    const [dead] = await waitFor(() => t.broker.browse<Delivery>(`mail.settling-handlers.${method}.dlq`), { what: 'the dead letter' });
    expect(dead.messageId).toBe(id);
    return dead;
  }

  it('a handler that throws RejectMessageError dead-letters its message at attempt 1, reason rejected, with the error', async () => {
    const dead = await deadLetterOf('mail.refused', 'refused');
    const id = dead.messageId;
    expect(attempts.get(id)).toHaveLength(1);
    expect(dead.deaths[0]).toMatchObject({ queue: 'mail.settling-handlers.refused', reason: 'rejected', count: 1 });
    expect(dead.deaths[0].lastError).toContain('RejectMessageError: mailbox does not exist');
    expect(dead.deaths[0].lastError).toContain('Caused by: Error: 550 5.1.1 no such mailbox');
    // The server's events carry the real error, with the exception filter registered.
    expect(errors.some((e) => e instanceof RejectMessageError)).toBe(true);
    await waitFor(() => deadLettered.find((e) => e.messageId === id), { what: 'the dead-lettered event' });
    expect(deadLettered.find((e) => e.messageId === id)).toMatchObject({ queue: 'mail.settling-handlers.refused', reason: 'rejected' });
  });

  it('ctx.reject(reason) dead-letters at once too', async () => {
    const dead = await deadLetterOf('mail.unwanted', 'unwanted');
    expect(dead.deaths[0]).toMatchObject({ reason: 'rejected', count: 1 });
    expect(dead.deaths[0].lastError).toContain('not for us');
    expect(await t.broker.queueStats('mail.settling-handlers.unwanted')).toEqual({ ready: 0, delayed: 0, leased: 0, leaseExpired: 0 });
  });

  it('a handler that throws RetryMessageError with delayMs comes back no sooner than its delay, as the next attempt', async () => {
    const { messageIds: [id] } = await t.broker.publish({ routingKey: 'mail.later', payload: {} });
    await waitFor(() => (attempts.get(id) ?? []).length === 2, { what: 'the second attempt' });
    const [first, second] = attempts.get(id)!;
    expect(second - first).toBeGreaterThanOrEqual(RETRY_DELAY_MS);
    await waitFor(async () => (await t.broker.queueStats('mail.settling-handlers.later')).leased === 0, { what: 'the ack' });
  });

  it('a RetryMessageError with a delay out of range is an ordinary failure that records why, and loses nothing', async () => {
    const dead = await deadLetterOf('mail.too-late', 'too-late');
    expect(dead.deaths[0]).toMatchObject({ reason: 'delivery_limit', count: 1 });
    expect(dead.deaths[0].lastError).toContain('InvalidArgumentError: delayMs must be an integer from 0 to 43200000');
  });

  it('ctx.retry({ deliverAt }) makes the message visible at that time exactly', async () => {
    const at = new Date(Date.now() + 60_000);
    const { messageIds: [id] } = await t.broker.publish({ routingKey: 'mail.at', payload: { at: at.toISOString() } });
    const [row] = await waitFor(() => t.query(`SELECT visible_at, attempts FROM "${t.schema}".messages WHERE message_id = $1 AND lease_token IS NULL AND attempts = 1`, [id]), {
      what: 'the retry',
    });
    expect((row.visible_at as Date).getTime()).toBe(at.getTime());
  });
});

describe('the log output of a failing handler', () => {
  it('is one line per failed attempt (message id, queue, attempt, error), not the error object', async () => {
    const port = await freePort();
    // A real SMTP server that refuses every recipient with a temporary 451: nodemailer's error carries the reply,
    // the command, the envelope..., which Nest's own exception filter printed whole on every attempt.
    const smtp = await startBusySmtpServer(port);
    const t = await createTestBroker('nest_failure_log');
    try {
      const worker = new TsProcess(fileURLToPath(new URL('./fixtures/mailing-nest-worker-process.ts', import.meta.url)), {
        DATABASE_URL: t.url,
        SCHEMA: t.schema,
        SMTP_URL: `smtp://127.0.0.1:${port}`,
      });
      await worker.waitForEvents('ready');
      const { messageIds: [id] } = await t.broker.publish({ routingKey: 'mail.send', payload: { to: 'ada@example.com' } });
      await waitFor(() => t.broker.browse('jobs.mail.dlq'), { what: 'the dead letter' });
      worker.kill('SIGTERM');
      await worker.exited;
      const lines = [...worker.named('text').map((e) => e.line as string), ...worker.errorOutput.split('\n')].filter((line) => line.trim() !== '');
      expect(lines).toHaveLength(3);
      lines.forEach((line) => expect(line).toMatch(new RegExp(`Message ${id} on jobs\\.mail failed on attempt [123]: .*451 4\\.2\\.1 mailbox busy`)));
      expect(lines.map((line) => /attempt (\d)/.exec(line)![1]).sort()).toEqual(['1', '2', '3']);
    } finally {
      await smtp.close();
      await t.cleanup();
    }
  });
});
