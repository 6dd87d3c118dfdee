/** A batch of outgoing messages as the parallel arrays that publish and outbox statements `unnest`. */
export interface PublishColumns {
  messageIds: string[];
  routingKeys: string[];
  payloads: string[];
  headers: string[];
  delaysMs: (number | null)[];
  deliverAts: (Date | null)[];
}
