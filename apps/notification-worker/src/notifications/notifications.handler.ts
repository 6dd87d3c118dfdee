import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Consume, Inbox, PgContext } from '@app/messaging';
import type { EntityManager } from 'typeorm';
import { Mailer } from '../mail/mailer.js';
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
      await this.mailer.send(mail);
    });
  }
}
