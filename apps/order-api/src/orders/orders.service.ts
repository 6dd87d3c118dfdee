import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ROUTING_KEYS, type OrderCreated, type PaymentOutcome } from '@app/contracts';
import { Outbox } from '@app/messaging';
import { DataSource, In, type EntityManager } from 'typeorm';
import { orderRequestFingerprint } from './canonical-request.js';
import type { CreateOrderDto } from './create-order.dto.js';
import { IdempotencyKeyEntity } from './idempotency-key.entity.js';
import { minorUnits } from './currencies.js';
import { formatMinorUnits, MAX_MINOR_UNITS, toMinorUnits } from './money.js';
import { OrderItemEntity } from './order-item.entity.js';
import { OrderEntity, type OrderStatus } from './order.entity.js';
import { toOrderView, type OrderView } from './order-view.js';

export interface OrderPage {
  items: OrderView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

@Injectable()
export class OrdersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Creates an order and its `order.created` message in one transaction. With an idempotency key, a repeat of the
   * same order (compared in its canonical form: orderRequestFingerprint) gets the first response, and a different
   * order with the same key is refused (409): the key row is inserted first, so a concurrent repeat waits for the
   * first to commit and then replays it. Keys are the customer's own: the same key from two
   * customers is two requests (Stripe scopes keys per account).
   */
  async create(customerId: string, dto: CreateOrderDto, idempotencyKey?: string): Promise<OrderView> {
    const digits = minorUnits(dto.currency);
    const prices = dto.items.map((item, i) => {
      const units = toMinorUnits(item.unitPrice, digits);
      if (units === null) throw new BadRequestException([`items.${i}.unitPrice must have at most ${digits} decimals for ${dto.currency}`]);
      return units;
    });
    const totalMinor = dto.items.reduce((sum, item, i) => sum + prices[i] * BigInt(item.quantity), 0n);
    if (totalMinor > MAX_MINOR_UNITS) {
      throw new BadRequestException([`the order total must be at most ${formatMinorUnits(MAX_MINOR_UNITS, digits)} ${dto.currency}`]);
    }
    const requestHash = orderRequestFingerprint(customerId, dto, prices);

    return this.dataSource.transaction(async (manager) => {
      if (idempotencyKey) {
        const replay = await this.claimIdempotencyKey(manager, customerId, idempotencyKey, requestHash);
        if (replay) return replay;
      }
      const order = manager.create(OrderEntity, {
        id: randomUUID(),
        customerId,
        email: dto.email,
        currency: dto.currency,
        totalMinor: totalMinor.toString(),
        status: 'pending',
        items: dto.items.map((item, i) =>
          manager.create(OrderItemEntity, { line: i + 1, sku: item.sku, quantity: item.quantity, unitPriceMinor: prices[i].toString() }),
        ),
      });
      const saved = await manager.save(order);
      const view = toOrderView(saved);
      const event: OrderCreated = { ...view, customerId, email: dto.email };
      await this.outbox.publish(
        { routingKey: ROUTING_KEYS.orderCreated, payload: event, messageId: `order-${view.id}-created`, orderingKey: view.id },
        { transaction: manager },
      );
      if (idempotencyKey) {
        await manager.update(IdempotencyKeyEntity, { customerId, key: idempotencyKey, requestHash }, { statusCode: 201, response: view });
      }
      return view;
    });
  }

  /** The customer's order; another customer's is not found, as an unknown one. */
  async get(customerId: string, id: string): Promise<OrderView> {
    const order = await this.dataSource.manager.findOne(OrderEntity, { where: { id, customerId } });
    if (!order) throw new NotFoundException(`Order ${id} does not exist`);
    return toOrderView(order);
  }

  /** A customer's orders, newest first, `limit` at a time (keyset pagination). */
  async list(customerId: string, limit: number, cursor?: string): Promise<OrderPage> {
    const after = cursor ? decodeCursor(cursor) : null;
    const query = this.dataSource.manager
      .createQueryBuilder(OrderEntity, 'o')
      .where('o.customer_id = :customerId', { customerId })
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(limit + 1);
    if (after) query.andWhere('(o.created_at, o.id) < (:createdAt, :id)', after);
    const heads = await query.getMany();
    const page = heads.slice(0, limit);
    const orders = page.length === 0 ? [] : await this.dataSource.manager.find(OrderEntity, { where: { id: In(page.map((o) => o.id)) } });
    const byId = new Map(orders.map((o) => [o.id, o]));
    const last = page[page.length - 1];
    return {
      items: page.map((o) => toOrderView(byId.get(o.id) as OrderEntity)),
      nextCursor: heads.length > limit ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  /** Moves a pending order to paid or payment_failed; a later or repeated outcome changes nothing. */
  async applyPaymentOutcome(manager: EntityManager, event: Pick<PaymentOutcome, 'orderId'>, status: Exclude<OrderStatus, 'pending'>): Promise<boolean> {
    const result = await manager.update(OrderEntity, { id: event.orderId, status: 'pending' }, { status });
    return (result.affected ?? 0) > 0;
  }

  private async claimIdempotencyKey(manager: EntityManager, customerId: string, key: string, requestHash: string): Promise<OrderView | null> {
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(IdempotencyKeyEntity)
      .values({ customerId, key, requestHash })
      .orIgnore()
      .returning('key')
      .execute();
    if (inserted.raw.length > 0) return null;
    const existing = await manager.findOneOrFail(IdempotencyKeyEntity, { where: { customerId, key } });
    if (existing.requestHash !== requestHash) {
      throw new ConflictException(`Idempotency-Key ${JSON.stringify(key)} was already used with a different request`);
    }
    return existing.response as OrderView;
  }
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(createdAt);
  if (!id || Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new BadRequestException(['cursor is not valid']);
  return { createdAt: date, id };
}
