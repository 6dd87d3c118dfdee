import type { DataSource, EntityManager } from 'typeorm';
import type { Mail } from '../mail/mailer.js';
import { SentMailEntity, type SendState } from './sent-mail.entity.js';

/** The first key of the send locks (pg_try_advisory_xact_lock's class): 'mail' in ASCII. */
const SEND_LOCK_CLASS = 0x6d61696c;

/**
 * What a redelivered event does when its mail's send is in doubt (the intent was committed, the send may have
 * happened, it was never marked sent: the worker died, paused past its lease, or lost its database between the SMTP
 * answer and the commit). `resend`: send again, with the same Message-ID (at least once; a receiver that keeps
 * Message-IDs drops the copy). `skip`: mark it skipped and send nothing (at most once: the customer may get no mail).
 */
export type InDoubtPolicy = 'resend' | 'skip';
export const IN_DOUBT_POLICIES: readonly InDoubtPolicy[] = ['resend', 'skip'];

/** What the handler does next for a delivery. */
export type SendDecision =
  | { action: 'send'; sends: number; inDoubt: boolean }
  | { action: 'skip' }
  | { action: 'done'; state: Extract<SendState, 'sent' | 'skipped'> };

/**
 * The send intents of the notification worker, in its own database: each step is a committed statement that
 * re-checks the state it expects, so two deliveries of one event (a zombie and its successor) take each transition once.
 */
export class SendLedger {
  /**
   * `dataSource` runs the ledger's statements (the consumers' pool, where the inbox runs too); `locks` gives the
   * connection a send lock holds for the whole send. Another pool: a handler holding a lock connection needs one of
   * `dataSource` for its statements, so one pool for both starves when every connection holds a lock (T16: 17 mails
   * of 5,400, then nothing, with 20 handlers on a pool of 10).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly locks: DataSource,
  ) {}

  /**
   * Runs `work` holding the event's send lock (a transaction-level advisory lock on a connection of its own, held
   * for the whole send), or returns `busy` when another delivery of the event holds it. The lock tells a send in
   * flight (its worker alive: a concurrent duplicate, or a successor of a worker paused past its lease, waits for
   * it) from a send in doubt (its worker died or lost its connection, which released the lock).
   */
  async withSendLock<R>(eventMessageId: string, work: () => Promise<R>): Promise<R | 'busy'> {
    const runner = this.locks.createQueryRunner();
    try {
      await runner.startTransaction();
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked`, [SEND_LOCK_CLASS, eventMessageId])) as { locked: boolean }[];
      if (!locked) return 'busy';
      return await work();
    } finally {
      // Ends the transaction and so releases the lock; a broken connection has released it already.
      await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * Records the intent to send `mail` for the event (committed before anything is sent), or finds the one recorded
   * before and decides by its state: `intended` is a send in doubt (the policy decides), `failed` is sent again,
   * `sent` and `skipped` are done.
   */
  async intend(eventMessageId: string, routingKey: string, mail: Mail, policy: InDoubtPolicy): Promise<SendDecision> {
    const inserted = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(SentMailEntity)
      .values({ eventMessageId, routingKey, recipient: mail.to, subject: mail.subject, mailMessageId: mail.messageId, state: 'intended', sends: 1 })
      .orIgnore()
      .returning(['sends'])
      .execute();
    if (inserted.raw.length > 0) return { action: 'send', sends: 1, inDoubt: false };
    // Two rounds at most: a transition lost to a concurrent delivery shows the state that delivery left.
    for (let round = 0; round < 2; round++) {
      const row = await this.dataSource.manager.findOne(SentMailEntity, { where: { eventMessageId } });
      if (!row) break;
      if (row.state === 'sent' || row.state === 'skipped') return { action: 'done', state: row.state };
      if (row.state === 'intended' && policy === 'skip') return { action: 'skip' };
      const sends = await this.startSend(eventMessageId, row.state);
      if (sends !== null) return { action: 'send', sends, inDoubt: row.state === 'intended' };
    }
    throw new Error(`The send intent of event ${eventMessageId} changed under two concurrent deliveries; retrying`);
  }

  /** Counts a new send of a mail in the state `from` (`failed`, or `intended` when resending one in doubt). */
  private async startSend(eventMessageId: string, from: 'intended' | 'failed'): Promise<number | null> {
    const updated = await this.dataSource
      .createQueryBuilder()
      .update(SentMailEntity)
      .set({ state: 'intended', sends: () => 'sends + 1' })
      .where('event_message_id = :eventMessageId AND state = :from', { eventMessageId, from })
      .returning(['sends'])
      .execute();
    return updated.raw.length > 0 ? (updated.raw[0] as { sends: number }).sends : null;
  }

  /** Marks the mail sent (or, from `intended` only, skipped), in the transaction that writes the inbox row. */
  async settle(manager: EntityManager, eventMessageId: string, state: 'sent' | 'skipped'): Promise<boolean> {
    const updated = await manager
      .createQueryBuilder()
      .update(SentMailEntity)
      .set(state === 'sent' ? { state, sentAt: () => 'now()' } : { state })
      .where('event_message_id = :eventMessageId AND state = :intended', { eventMessageId, intended: 'intended' })
      .execute();
    return (updated.affected ?? 0) > 0;
  }

  /** The SMTP server definitely did not take the mail: not in doubt, the next delivery sends it again. */
  async failed(eventMessageId: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(SentMailEntity)
      .set({ state: 'failed' })
      .where('event_message_id = :eventMessageId AND state = :intended', { eventMessageId, intended: 'intended' })
      .execute();
  }
}
