import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { ROUTING_PATTERNS } from '@app/contracts';
import { Consume, CONSUMER_DATA_SOURCE, Inbox, PgContext, redactPii, RejectMessageError, RetryMessageError } from '@app/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import { definitelyNotSent, Mailer, permanentSmtpFailure, type Mail } from '../mail/mailer.js';
import { SendLedger, type InDoubtPolicy } from './send-ledger.js';
import { mailFor, type NotifiableEvent } from './templates.js';

/** When a mail is being sent by another delivery of its event, look again after this long (ms). */
const SEND_IN_FLIGHT_RETRY_MS = 3_000;

/** The in-doubt policy the handler is given (MAIL_IN_DOUBT). */
export const IN_DOUBT_POLICY = 'notification-worker:in-doubt-policy';

/**
 * Mails the customer about their order and its payment: one mail per event, in three committed steps. 1. The send
 * intent (a `sent_mails` row, `intended`). 2. The SMTP send, with a Message-ID fixed per event and template. 3. The
 * row marked `sent` together with the inbox row. The steps run under the event's send lock: a delivery that finds it
 * held (a concurrent duplicate, a worker paused past its lease) retries later. A redelivery after step 3 does
 * nothing; one that finds the intent not marked and the lock free (the send is in doubt: the worker died or lost
 * its database between 2 and 3) follows the policy:
 * resend with the same Message-ID (default, at least once) or skip (at most once), and logs it. A definite refusal
 * is recorded as `failed` and not in doubt: 5xx dead-letters the event at once, 4xx retries it with the backoff.
 */
@Controller()
export class NotificationsHandler {
  private readonly logger = new Logger(NotificationsHandler.name);
  private readonly ledger: SendLedger;

  constructor(
    private readonly mailer: Mailer,
    private readonly inbox: Inbox<EntityManager>,
    @InjectDataSource(CONSUMER_DATA_SOURCE) consumers: DataSource,
    @InjectDataSource() locks: DataSource,
    @Inject(IN_DOUBT_POLICY) private readonly policy: InDoubtPolicy,
  ) {
    this.ledger = new SendLedger(consumers, locks);
  }

  @Consume(ROUTING_PATTERNS.orderEvents, { queue: 'notifications.order-events', maxAttempts: 4, retryBaseMs: 500 })
  onOrderEvent(@Payload() event: NotifiableEvent, @Ctx() ctx: PgContext): Promise<void> {
    return this.notify(event, ctx);
  }

  @Consume(ROUTING_PATTERNS.paymentEvents, { queue: 'notifications.payment-events', maxAttempts: 4, retryBaseMs: 500 })
  onPaymentEvent(@Payload() event: NotifiableEvent, @Ctx() ctx: PgContext): Promise<void> {
    return this.notify(event, ctx);
  }

  private async notify(event: NotifiableEvent, ctx: PgContext): Promise<void> {
    const eventId = ctx.getMessageId();
    const mail = mailFor(ctx.getRoutingKey(), event, eventId);
    if (!mail) return;
    const outcome = await this.ledger.withSendLock(eventId, () => this.sendOnce(eventId, mail, ctx));
    // Another delivery of this event is sending its mail now: not in doubt; look again once it had time to finish.
    if (outcome === 'busy') throw new RetryMessageError(`Mail for event ${eventId} is being sent by another delivery`, { delayMs: SEND_IN_FLIGHT_RETRY_MS });
  }

  private async sendOnce(eventId: string, mail: Mail, ctx: PgContext): Promise<void> {
    const decision = await this.ledger.intend(eventId, ctx.getRoutingKey(), mail, this.policy);
    if (decision.action === 'done') {
      await this.inbox.process(ctx, async () => undefined);
      return;
    }
    if (decision.action === 'skip') {
      await this.inbox.process(ctx, (manager) => this.ledger.settle(manager, eventId, 'skipped'));
      this.logger.warn(`Mail for event ${eventId} skipped: its send is in doubt (an earlier attempt may have sent it) and MAIL_IN_DOUBT is skip`);
      return;
    }
    if (decision.inDoubt) this.logger.warn(`Mail for event ${eventId} resent with the same Message-ID: its send is in doubt (send ${decision.sends})`);
    try {
      await this.mailer.send(mail);
    } catch (error) {
      // Not sent for sure: no longer in doubt (if this update fails too, the next delivery treats it as in doubt).
      if (definitelyNotSent(error)) await this.ledger.failed(eventId).catch(() => undefined);
      // A 5xx (no such mailbox, refused) fails the same way every time: dead-letter now. A 4xx or a connection
      // error is temporary: throw it as is, to retry with the queue's backoff.
      const permanent = permanentSmtpFailure(error);
      throw permanent ? new RejectMessageError(`SMTP refused the mail for event ${eventId}: ${redactPii(permanent)}`, { cause: error }) : error;
    }
    await this.inbox.process(ctx, (manager) => this.ledger.settle(manager, eventId, 'sent'));
  }
}
