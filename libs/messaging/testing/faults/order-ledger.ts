/**
 * The order system's checker (docs/reliability.md): from the clients' history, the payment provider's ledger,
 * the orders' final states and every mail the SMTP server took, it counts what the pipeline lost, doubled or made
 * up. A pure function: the test gathers the inputs, the checker decides.
 */

/** One client order: its Idempotency-Key, how the client's attempts ended, and the order it names. */
export interface ClientOrder {
  key: string;
  /** `ok`: a 201 (with the order's id); `fail`: a definite refusal (4xx); `info`: unknown (timeouts, 5xx to the end). */
  outcome: 'ok' | 'fail' | 'info';
  /** The order's id: from the 201 for `ok`; for `info`, the one the service stored for the key, if any. */
  orderId?: string;
}

/** A charge the payment provider made (its ledger: a repeated Idempotency-Key is not a new charge). */
export interface ProviderCharge {
  id: string;
  /** The order it was for (the charge's reference). */
  reference: string;
  status: 'succeeded' | 'declined';
}

/** A mail as the SMTP server took it: one entry per send, repeats included. */
export interface CaughtMailRecord {
  messageId: string;
}

export interface OrderLedgerInput {
  orders: readonly ClientOrder[];
  charges: readonly ProviderCharge[];
  /** The status of every order in the order service's database, by id. */
  statuses: ReadonlyMap<string, string>;
  /** The statuses an order ends in (e.g. paid, payment_failed). */
  finalStatuses: readonly string[];
  mails: readonly CaughtMailRecord[];
  /** The Message-IDs an accepted order in its final status must have been mailed with, one per event. */
  expectedMessageIds: (orderId: string, status: string) => readonly string[];
}

export interface OrderLedgerFigures {
  /** `ok` orders. */
  accepted: number;
  definiteFailures: number;
  unknown: number;
  /** Accepted orders missing from the database or not in a final status. */
  lost: number;
  notFinal: string[];
  /** Accepted orders without exactly one charge (none: `uncharged`, more: `doubleCharged`). */
  uncharged: number;
  doubleCharged: number;
  /** Definite failures with a charge. */
  failCharged: number;
  /** `info` orders with more than one charge. */
  unknownDoubleCharged: number;
  /** Charges for an order no client asked for (no such order). */
  phantomCharges: number;
  mailsRaw: number;
  /** Distinct Message-IDs the server took. */
  mailsDistinct: number;
  /** Sends beyond the first of a Message-ID (the at-least-once repeats receivers drop). */
  duplicateMailsRaw: number;
  /** Expected Message-IDs never sent. */
  missingMails: number;
  /** Message-IDs sent that no accepted or unknown order's event accounts for (two Message-IDs for one event, a mail for a failed order). */
  unexpectedMails: number;
}

/** The figures; the run is clean when `violations(figures)` is empty. */
export function checkOrderLedger(input: OrderLedgerInput): OrderLedgerFigures {
  const chargesByOrder = new Map<string, ProviderCharge[]>();
  for (const charge of input.charges) chargesByOrder.set(charge.reference, [...(chargesByOrder.get(charge.reference) ?? []), charge]);
  const chargesOf = (orderId: string | undefined) => (orderId === undefined ? [] : (chargesByOrder.get(orderId) ?? []));
  const sends = new Map<string, number>();
  for (const mail of input.mails) sends.set(mail.messageId, (sends.get(mail.messageId) ?? 0) + 1);

  const accepted = input.orders.filter((o) => o.outcome === 'ok');
  const notFinal = accepted.filter((o) => !input.finalStatuses.includes(input.statuses.get(o.orderId!) ?? '')).map((o) => o.orderId ?? o.key);
  const expected = new Set<string>();
  const allowed = new Set<string>();
  for (const order of input.orders) {
    if (order.orderId === undefined || order.outcome === 'fail') continue;
    const status = input.statuses.get(order.orderId);
    if (status === undefined) continue;
    for (const id of input.expectedMessageIds(order.orderId, status)) {
      allowed.add(id);
      if (order.outcome === 'ok' && input.finalStatuses.includes(status)) expected.add(id);
    }
  }
  return {
    accepted: accepted.length,
    definiteFailures: input.orders.filter((o) => o.outcome === 'fail').length,
    unknown: input.orders.filter((o) => o.outcome === 'info').length,
    lost: notFinal.length,
    notFinal,
    uncharged: accepted.filter((o) => chargesOf(o.orderId).length === 0).length,
    doubleCharged: accepted.filter((o) => chargesOf(o.orderId).length > 1).length,
    failCharged: input.orders.filter((o) => o.outcome === 'fail' && chargesOf(o.orderId).length > 0).length,
    unknownDoubleCharged: input.orders.filter((o) => o.outcome === 'info' && chargesOf(o.orderId).length > 1).length,
    phantomCharges: input.charges.filter((c) => !input.statuses.has(c.reference)).length,
    mailsRaw: input.mails.length,
    mailsDistinct: sends.size,
    duplicateMailsRaw: input.mails.length - sends.size,
    missingMails: [...expected].filter((id) => !sends.has(id)).length,
    unexpectedMails: [...sends.keys()].filter((id) => !allowed.has(id)).length,
  };
}

/** What breaks the T16 acceptance bar, one sentence each; empty when the run is clean. */
export function orderLedgerViolations(figures: OrderLedgerFigures): string[] {
  const rules: [boolean, string][] = [
    [figures.lost > 0, `${figures.lost} accepted order(s) lost or not final (${figures.notFinal.slice(0, 5).join(', ')})`],
    [figures.uncharged > 0, `${figures.uncharged} accepted order(s) never charged`],
    [figures.doubleCharged > 0, `${figures.doubleCharged} accepted order(s) charged more than once`],
    [figures.failCharged > 0, `${figures.failCharged} refused order(s) charged`],
    [figures.unknownDoubleCharged > 0, `${figures.unknownDoubleCharged} order(s) of unknown outcome charged more than once`],
    [figures.phantomCharges > 0, `${figures.phantomCharges} charge(s) for no known order`],
    [figures.missingMails > 0, `${figures.missingMails} event(s) never mailed`],
    [figures.unexpectedMails > 0, `${figures.unexpectedMails} mail(s) no event accounts for (another Message-ID for an event, or a refused order's)`],
  ];
  return rules.filter(([broken]) => broken).map(([, sentence]) => sentence);
}
