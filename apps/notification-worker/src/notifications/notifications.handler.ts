import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Consume, Inbox, PgContext, RejectMessageError } from '@app/messaging';
import type { EntityManager } from 'typeorm';
import { Mailer, permanentSmtpFailure } from '../mail/mailer.js';
import { SentMailEntity } from './sent-mail.entity.js';
import { mailFor, type NotifiableEvent } from './templates.js';

/**
 * Mails the customer about their order and its payment: one mail per event. The inbox row and the sent-mail record
 * commit only after the SMTP server accepted the mail, so a redelivered event is skipped; a crash between the SMTP
 * answer and the commit is the one window that could repeat a mail (its Message-ID is fixed per event).
 */
@Controller()
export class NotificationsHandler {
  constructor(
    private readonly mailer: Mailer,
    private readonly inbox: Inbox<EntityManager>,
  ) {}

  @Consume('order.*', { queue: 'notifications.order-events', maxAttempts: 4, retryBaseMs: 500 })
  onOrderEvent(@Payload() event: NotifiableEvent, @Ctx() ctx: PgContext): Promise<void> {
    return this.notify(event, ctx);
  }

  @Consume('payment.*', { queue: 'notifications.payment-events', maxAttempts: 4, retryBaseMs: 500 })
  onPaymentEvent(@Payload() event: NotifiableEvent, @Ctx() ctx: PgContext): Promise<void> {
    return this.notify(event, ctx);
  }

  private async notify(event: NotifiableEvent, ctx: PgContext): Promise<void> {
    const mail = mailFor(ctx.getRoutingKey(), event, ctx.getMessageId());
    if (!mail) return;
    await this.inbox.process(ctx, async (manager) => {
      await manager.insert(SentMailEntity, { eventMessageId: ctx.getMessageId(), routingKey: ctx.getRoutingKey(), recipient: mail.to, subject: mail.subject });
      try {
        await this.mailer.send(mail);
      } catch (error) {
        // A 5xx (no such mailbox, refused) fails the same way every time: dead-letter now. A 4xx or a connection
        // error is temporary: throw it as is, to retry with the queue's backoff.
        const permanent = permanentSmtpFailure(error);
        throw permanent ? new RejectMessageError(`SMTP refused the mail to ${mail.to}: ${permanent}`, { cause: error }) : error;
      }
    });
  }
}
