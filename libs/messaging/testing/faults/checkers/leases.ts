import { HELD_UNTIL_SETTLED, type HistoryEvent } from '../history.js';

export interface LeaseOverlap {
  messageId: string;
  first: { process: string; leaseToken: string };
  second: { process: string; leaseToken: string };
  /** How long the second claim came before the first lease ended, ms. */
  overlapMs: number;
}

export interface StaleSettle {
  messageId: string;
  f: 'ack' | 'nack' | 'extend';
  process: string;
  leaseToken: string;
  /** Why it was stale: a newer claim came before it was sent, or the message was already acked. */
  reason: 'superseded' | 'already-acked';
}

export interface LeaseResult {
  overlaps: LeaseOverlap[];
  /** Settles the broker accepted although their lease token was no longer current. */
  staleAccepted: StaleSettle[];
  /** Settles the broker refused (lease lost): the fencing at work. */
  refused: number;
  /** Copies claimed again after an ack of theirs had been accepted (Queen W2: an acked message came back). */
  redeliveredAfterAck: string[];
  valid: boolean;
}

/** Times of one process's clock and the server's can differ by rounding; a margin keeps that from counting. */
const MARGIN_MS = 1;

interface Lease {
  /** The copy's deliveryId, else its messageId. */
  messageId: string;
  process: string;
  leaseToken: string;
  claimedAt: number;
  /** Lease end: the latest expiry (extends), or when an accepted settle was sent. */
  end: number;
}

/**
 * The lease rules of Queen's W2 workload (docs/reliability.md) with server times: no two deliveries of a message
 * under overlapping unexpired leases, and no ack/nack/extend accepted with a token a newer claim had replaced (or
 * after the message was acked). A settle's lease ends when it was sent (its `invoke`), which errs toward passing.
 * A hold no lease ends (HELD_UNTIL_SETTLED, RabbitMQ) and no settle ended ends with its process: the first of
 * `ends` (Supervisor.ends) of that process after the claim.
 */
export function checkLeases(history: readonly HistoryEvent[], options: { ends?: readonly { process: string; at: number }[] } = {}): LeaseResult {
  const leases = new Map<string, Lease>();
  const invokes = new Map<string, number>();
  const settles: (HistoryEvent & { sentAt: number })[] = [];
  let refused = 0;
  for (const e of history) {
    if (e.f === 'deliver' && e.type === 'ok' && e.leaseToken && e.messageId && e.claimedAt !== undefined && e.leaseExpiresAt !== undefined) {
      leases.set(e.leaseToken, { messageId: e.deliveryId ?? e.messageId, process: e.process, leaseToken: e.leaseToken, claimedAt: e.claimedAt, end: e.leaseExpiresAt });
    } else if ((e.f === 'ack' || e.f === 'nack' || e.f === 'extend') && e.leaseToken) {
      const key = `${e.process}|${e.f}|${e.leaseToken}`;
      if (e.type === 'invoke') invokes.set(key, e.time);
      else if (e.type === 'fail') refused++;
      else if (e.type === 'ok') {
        const sentAt = invokes.get(key) ?? e.time;
        settles.push({ ...e, sentAt });
      }
    }
  }
  // Extends first (they push the end out), then settles (they cut it short).
  for (const s of settles) {
    const lease = leases.get(s.leaseToken!);
    if (lease && s.f === 'extend' && s.leaseExpiresAt !== undefined) lease.end = Math.max(lease.end, s.leaseExpiresAt);
  }
  for (const s of settles) {
    const lease = leases.get(s.leaseToken!);
    if (lease && s.f !== 'extend') lease.end = Math.min(lease.end, s.sentAt);
  }
  for (const lease of leases.values()) {
    if (lease.end < HELD_UNTIL_SETTLED) continue;
    const end = (options.ends ?? []).filter((e) => e.process === lease.process && e.at >= lease.claimedAt).reduce((first, e) => Math.min(first, e.at), HELD_UNTIL_SETTLED);
    lease.end = end;
  }
  const byMessage = new Map<string, Lease[]>();
  for (const lease of leases.values()) byMessage.set(lease.messageId, [...(byMessage.get(lease.messageId) ?? []), lease]);

  const overlaps: LeaseOverlap[] = [];
  for (const list of byMessage.values()) {
    list.sort((a, b) => a.claimedAt - b.claimedAt);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const [a, b] = [list[i], list[j]];
        if (b.claimedAt < a.end - MARGIN_MS) {
          overlaps.push({ messageId: a.messageId, first: { process: a.process, leaseToken: a.leaseToken }, second: { process: b.process, leaseToken: b.leaseToken }, overlapMs: a.end - b.claimedAt });
        }
      }
    }
  }

  const staleAccepted: StaleSettle[] = [];
  const acked = new Set<string>();
  for (const s of [...settles].sort((a, b) => a.time - b.time)) {
    const lease = leases.get(s.leaseToken!);
    const messageId = lease?.messageId ?? s.deliveryId ?? s.messageId ?? '';
    const f = s.f as StaleSettle['f'];
    const newer = (byMessage.get(messageId) ?? []).some((other) => other.leaseToken !== s.leaseToken && lease && other.claimedAt > lease.claimedAt && other.claimedAt < s.sentAt - MARGIN_MS);
    if (acked.has(messageId)) staleAccepted.push({ messageId, f, process: s.process, leaseToken: s.leaseToken!, reason: 'already-acked' });
    else if (newer) staleAccepted.push({ messageId, f, process: s.process, leaseToken: s.leaseToken!, reason: 'superseded' });
    if (s.f === 'ack') acked.add(messageId);
  }
  const redeliveredAfterAck: string[] = [];
  for (const s of settles) {
    const lease = leases.get(s.leaseToken!);
    if (s.f !== 'ack' || !lease) continue;
    if ((byMessage.get(lease.messageId) ?? []).some((other) => other.claimedAt > s.time + MARGIN_MS)) redeliveredAfterAck.push(lease.messageId);
  }
  return {
    overlaps,
    staleAccepted,
    refused,
    redeliveredAfterAck,
    valid: overlaps.length === 0 && staleAccepted.length === 0 && redeliveredAfterAck.length === 0,
  };
}
