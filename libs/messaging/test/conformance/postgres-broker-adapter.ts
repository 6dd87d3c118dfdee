// Until the PostgreSQL Broker implements MessageBroker itself (issue 10 item 1, branch r1b), this fills in the
// members it does not have yet. A member the Broker has wins, so after that merge the adapter changes nothing and
// can be deleted.
import { randomUUID } from 'node:crypto';
import type { Broker } from '../../src/drivers/postgres/broker.js';
import type { BrokerCapabilities } from '../../src/driver/capabilities.js';
import type { DeadLetterEvent } from '../../src/driver/dead-letter-event.js';
import type { MessageBroker, ReplyInbox } from '../../src/driver/message-broker.js';
import { schemaIdent } from '../../src/postgres/identifiers.js';
import { DEAD_LETTER_WAKE_UP } from '../../src/drivers/postgres/statements/broker-statements.js';

const POSTGRES_CAPABILITIES: BrokerCapabilities = {
  leaseExtension: true,
  leaseExpiry: true,
  deduplicationWindow: true,
  delayedMessages: 'exact',
  browseWithoutConsuming: true,
  transactionalPublish: true,
  pull: true,
  queueUpdate: true,
  topologyIntrospection: true,
};


function missingMembers(broker: Broker): Partial<MessageBroker> {
  const s = schemaIdent(broker.schema);
  return {
    capabilities: POSTGRES_CAPABILITIES,
    async openReplyInbox(onReply): Promise<ReplyInbox> {
      const address = `reply.${randomUUID()}`;
      await broker.declareQueue(address, { deadLetterQueue: null, maxAttempts: 1 });
      const consumer = await broker.consume(address, (reply) => onReply(reply), { pollIntervalMs: 100 });
      return {
        address,
        close: async () => {
          await consumer.stop();
          await broker.deleteQueue(address);
        },
      };
    },
    async takeDeadLetterEvents(limit, work) {
      const client = await broker.pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<DeadLetterEvent & { id: string }>(
          `SELECT id, queue, dead_letter_queue AS "deadLetterQueue", message_id AS "messageId", routing_key AS "routingKey",
                  reason, error, occurred_at AS "occurredAt"
             FROM ${s}.dead_letter_events ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [limit],
        );
        if (rows.length > 0) {
          await work(rows.map(({ id: _id, ...event }) => event));
          await client.query(`DELETE FROM ${s}.dead_letter_events WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
        }
        await client.query('COMMIT');
        return rows.length;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    onDeadLetterEvent: (wakeUp) => broker.onWakeUp(DEAD_LETTER_WAKE_UP, wakeUp),
    maintenanceChores: () => [],
  };
}

/** The Broker as a MessageBroker (see the file's head comment). */
export function asMessageBroker(broker: Broker): MessageBroker {
  const fill = missingMembers(broker);
  return new Proxy(broker, {
    get(target, property) {
      if (property in target) {
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      if (property === 'connectionState') return target.listenerState;
      return Reflect.get(fill, property);
    },
  }) as unknown as MessageBroker;
}
