import {
  connectMessagingServer,
  connectPgServer,
  MESSAGING_TRANSPORT,
  MessagingClient,
  MessagingContext,
  MessagingRecord,
  MessagingRecordBuilder,
  MessagingServer,
  PG_TRANSPORT,
  PgClient,
  PgContext,
  PgRecord,
  PgRecordBuilder,
  PgServer,
  PostgresBroker,
  Broker,
} from '../src/index.js';

describe('the transport\'s former Pg* names', () => {
  it('are the Messaging* classes and values themselves, not copies', () => {
    expect(PgServer).toBe(MessagingServer);
    expect(PgClient).toBe(MessagingClient);
    expect(PgContext).toBe(MessagingContext);
    expect(PgRecord).toBe(MessagingRecord);
    expect(PgRecordBuilder).toBe(MessagingRecordBuilder);
    expect(PG_TRANSPORT).toBe(MESSAGING_TRANSPORT);
    expect(connectPgServer).toBe(connectMessagingServer);
    expect(PostgresBroker).toBe(Broker);
  });

  it('build instances of the new classes', () => {
    const record = new PgRecordBuilder({ id: 1 }).setMessageId('m-1').build();
    expect(record).toBeInstanceOf(MessagingRecord);
    expect(new PgServer({ serviceName: 'aliases' })).toBeInstanceOf(MessagingServer);
    expect(new PgServer({ serviceName: 'aliases' }).transportId).toBe(MESSAGING_TRANSPORT);
  });
});
