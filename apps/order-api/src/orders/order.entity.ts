import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { OrderItemEntity } from './order-item.entity.js';

export type OrderStatus = 'pending' | 'paid' | 'payment_failed';

@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** The total in the currency's minor units (cents), exact. */
  @Column({ name: 'total_minor', type: 'bigint' })
  totalMinor!: string;

  @Column({ type: 'text' })
  status!: OrderStatus;

  @OneToMany(() => OrderItemEntity, (item) => item.order, { cascade: ['insert'], eager: true })
  items!: OrderItemEntity[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
