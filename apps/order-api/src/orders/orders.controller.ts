import { BadRequestException, Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { CustomerId } from '../auth/customer-id.decorator.js';
import { CUSTOMER_ID } from '../auth/customer-token.js';
import { QueryInt } from '../http/query-int.decorator.js';
import { CreateOrderDto } from './create-order.dto.js';
import type { OrderView } from './order-view.js';
import { OrdersService, type OrderPage } from './orders.service.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Every route needs a customer's bearer token, and serves that customer only: the customer of a new order is the
 * token's `sub` (the body has no customerId field), another customer's order is a 404 as an unknown one is (ids
 * cannot be probed), and a list holds the caller's orders only.
 */
@Controller('orders')
@UseGuards(BearerAuthGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** Places an order: 201 with the order; with Idempotency-Key, a repeat replays the first response. */
  @Post()
  async create(@CustomerId() customerId: string, @Body() dto: CreateOrderDto, @Headers('idempotency-key') idempotencyKey?: string): Promise<OrderView> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException(['Idempotency-Key must be 1-255 printable ASCII characters']);
    }
    return this.orders.create(customerId, dto, idempotencyKey);
  }

  @Get(':id')
  get(@CustomerId() customerId: string, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<OrderView> {
    return this.orders.get(customerId, id);
  }

  /**
   * The caller's orders, newest first: `?limit=20&cursor=...`. A `customerId` parameter (the API before tokens took
   * one) may stay if it names the caller; naming another customer gives an empty page, as that customer's orders
   * are not the caller's.
   */
  @Get()
  list(
    @CustomerId() customerId: string,
    @Query('customerId') asked: string | undefined,
    @QueryInt({ name: 'limit', min: 1, max: 100, fallback: 20 }) limit: number,
    @Query('cursor') cursor?: string,
  ): Promise<OrderPage> {
    if (asked !== undefined && (typeof asked !== 'string' || !CUSTOMER_ID.test(asked))) {
      throw new BadRequestException(['customerId must be 1-64 letters, digits, ".", "_", ":" or "-"']);
    }
    if (asked !== undefined && asked !== customerId) return Promise.resolve({ items: [], nextCursor: null });
    return this.orders.list(customerId, limit, cursor);
  }
}
