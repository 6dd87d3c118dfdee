import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { Consume, InvalidArgumentError, MessagingExceptionFilter, PgClient, PgContext, PgRecord, PgRecordBuilder, PgServer } from '../src/index.js';
import { createTestBroker, waitFor, type TestBroker } from '../testing/index.js';

interface Seen {
  data: unknown;
  messageId: string;
  headers: Record<string, string>;
}
const seen: Seen[] = [];

@Controller()
class RecordHandlers {
  @Consume('invoice.issued', { queue: 'billing.invoices' })
  issued(@Payload() data: unknown, @Ctx() ctx: PgContext) {
    seen.push({ data, messageId: ctx.getMessageId(), headers: ctx.getHeaders() });
  }

  @MessagePattern('invoice.total')
  total(@Payload() data: { lines: number[] }, @Ctx() ctx: PgContext) {
    return { total: data.lines.reduce((a, b) => a + b, 0), tenant: ctx.getHeaders()['x-tenant'] };
  }
}

/** A serializer pair that stores payloads base64-encoded, to show both ends honour custom ones. */
const toBase64 = { serialize: (data: unknown) => ({ b64: Buffer.from(JSON.stringify(data)).toString('base64') }) };
const fromBase64 = { deserialize: (payload: { b64?: string }) => (payload.b64 ? JSON.parse(Buffer.from(payload.b64, 'base64').toString()) : payload) };

describe('PgRecordBuilder: per-message options of emit and send', () => {
  let t: TestBroker;
  let app: INestMicroservice;
  let client: PgClient;

  beforeAll(async () => {
    t = await createTestBroker('pg_record');
    @Module({ controllers: [RecordHandlers] })
    class WorkerModule {}
    app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, {
      strategy: new PgServer({ serviceName: 'billing', broker: t.broker, consumerDefaults: { pollIntervalMs: 100 }, deserializer: fromBase64 }),
      logger: false,
    });
    app.useGlobalFilters(new MessagingExceptionFilter());
    await app.listen();
    client = new PgClient({ broker: t.broker, requestTimeoutMs: 5_000, serializer: toBase64 });
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
    await app.close();
    await t.cleanup();
  });

  const emit = (data: unknown) => lastValueFrom(client.emit('invoice.issued', data), { defaultValue: undefined });
  const row = async (messageId: string) => (await t.query(`SELECT visible_at, payload FROM "${t.schema}".messages WHERE message_id = $1`, [messageId]))[0];

  it('sets the message id and headers, and the handler gets the data through the custom serializer pair', async () => {
    await emit(new PgRecordBuilder({ invoice: 1 }).setMessageId('invoice-1').setHeaders({ 'x-tenant': 'acme' }).build());
    const [got] = await waitFor(() => seen.filter((s) => s.messageId === 'invoice-1'), { what: 'the invoice' });
    expect(got.data).toEqual({ invoice: 1 });
    expect(got.headers).toMatchObject({ 'x-tenant': 'acme' });
  });

  it('stores the payload as the client serializer made it', async () => {
    await emit(new PgRecordBuilder({ invoice: 2 }).setMessageId('invoice-2').setDelay(60_000).build());
    expect((await row('invoice-2')).payload).toEqual({ b64: Buffer.from('{"invoice":2}').toString('base64') });
  });

  it('delays by setDelay, or until setDeliverAt', async () => {
    const before = Date.now();
    await emit(new PgRecordBuilder({ invoice: 3 }).setMessageId('invoice-3').setDelay(60_000).build());
    expect((await row('invoice-3')).visible_at.getTime()).toBeGreaterThanOrEqual(before + 60_000);
    const at = new Date(Date.now() + 600_000);
    await emit(new PgRecordBuilder({ invoice: 4 }).setMessageId('invoice-4').setDeliverAt(at).build());
    expect((await row('invoice-4')).visible_at.getTime()).toBe(at.getTime());
  });

  it('drops a repeat of a message id within its deduplication window', async () => {
    const record = () => new PgRecordBuilder({ invoice: 5 }).setMessageId('invoice-5').setDeduplicationWindow(60_000).setDelay(60_000).build();
    await emit(record());
    await emit(record());
    expect(await t.query(`SELECT 1 FROM "${t.schema}".messages WHERE message_id = 'invoice-5'`)).toHaveLength(1);
  });

  it('refuses options that cannot go together, with a typed error', async () => {
    expect(() => new PgRecordBuilder(1).setDelay(5).setDeliverAt(new Date()).build()).toThrow(InvalidArgumentError);
    expect(() => new PgRecordBuilder(1).setDeduplicationWindow(1_000).build()).toThrow(/needs a messageId/);
    await expect(emit(new PgRecord(1, { delayMs: 5, deliverAt: new Date() }))).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('send takes the headers of a record, and refuses the options only emit has', async () => {
    const reply = await firstValueFrom(client.send('invoice.total', new PgRecordBuilder({ lines: [1, 2, 3] }).setHeaders({ 'x-tenant': 'acme' }).build()));
    expect(reply).toEqual({ total: 6, tenant: 'acme' });
    await expect(firstValueFrom(client.send('invoice.total', new PgRecordBuilder({ lines: [] }).setDelay(10).build()))).rejects.toThrow(/only headers/);
  });
});
