import { BadRequestException, Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { QueryInt } from '../http/query-int.decorator.js';
import { CreateOrderDto } from './create-order.dto.js';
import type { OrderView } from './order-view.js';
import { OrdersService, type OrderPage } from './orders.service.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const CUSTOMER_ID = /^[A-Za-z0-9._:-]{1,64}$/;

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** Places an order: 201 with the order; with Idempotency-Key, a repeat replays the first response. */
  @Post()
  async create(@Body() dto: CreateOrderDto, @Headers('idempotency-key') idempotencyKey?: string): Promise<OrderView> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException(['Idempotency-Key must be 1-255 printable ASCII characters']);
    }
    return this.orders.create(dto, idempotencyKey);
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<OrderView> {
    return this.orders.get(id);
  }

  /** A customer's orders, newest first: `?customerId=...&limit=20&cursor=...`. */
  @Get()
  list(
    @Query('customerId') customerId: string | undefined,
    @QueryInt({ name: 'limit', min: 1, max: 100, fallback: 20 }) limit: number,
    @Query('cursor') cursor?: string,
  ): Promise<OrderPage> {
    if (!customerId || !CUSTOMER_ID.test(customerId)) throw new BadRequestException(['customerId is required: 1-64 letters, digits, ".", "_", ":" or "-"']);
    return this.orders.list(customerId, limit, cursor);
  }
}
