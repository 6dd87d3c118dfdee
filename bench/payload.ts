/** The message every case sends: about 100 bytes of JSON, the same shape the peers were measured with. */
export interface OrderPayload {
  event: 'order.created';
  /** 0..n-1: the id the correctness tally counts per message. */
  orderId: number;
  customer: string;
  amount: number;
  pad: string;
  /** Latency case only: process.hrtime.bigint() (CLOCK_MONOTONIC, comparable across processes) just before publish. */
  sentAt?: string;
}

export function orderPayload(orderId: number): OrderPayload {
  return { event: 'order.created', orderId, customer: 'cust-000042', amount: 99.95, pad: 'abcdefghijk' };
}

/** Payloads for ids [from, from + count). */
export function orderPayloads(from: number, count: number): OrderPayload[] {
  return Array.from({ length: count }, (_, i) => orderPayload(from + i));
}
