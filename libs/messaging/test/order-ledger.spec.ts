import { checkOrderLedger, orderLedgerViolations, type OrderLedgerInput } from '@app/messaging/testing/faults';

const mailIds = (orderId: string, status: string) => [
  `<created-${orderId}>`,
  ...(status === 'paid' ? [`<completed-${orderId}>`] : status === 'payment_failed' ? [`<failed-${orderId}>`] : []),
];
const without = (run: OrderLedgerInput, orderId: string) => ({ ...run, mails: run.mails.filter((m) => !m.messageId.endsWith(`-${orderId}>`)), charges: run.charges.filter((c) => c.reference !== orderId) });

/** Three accepted orders (two paid, one declined), one refused request, one unknown that did create its order. */
function cleanRun(): OrderLedgerInput {
  return {
    orders: [
      { key: 'k1', outcome: 'ok', orderId: 'o1' },
      { key: 'k2', outcome: 'ok', orderId: 'o2' },
      { key: 'k3', outcome: 'ok', orderId: 'o3' },
      { key: 'k4', outcome: 'fail' },
      { key: 'k5', outcome: 'info', orderId: 'o5' },
      { key: 'k6', outcome: 'info' },
    ],
    charges: [
      { id: 'c1', reference: 'o1', status: 'succeeded' },
      { id: 'c2', reference: 'o2', status: 'succeeded' },
      { id: 'c3', reference: 'o3', status: 'declined' },
      { id: 'c5', reference: 'o5', status: 'succeeded' },
    ],
    statuses: new Map([
      ['o1', 'paid'],
      ['o2', 'paid'],
      ['o3', 'payment_failed'],
      ['o5', 'paid'],
    ]),
    finalStatuses: ['paid', 'payment_failed'],
    // o1's created mail went twice (a resend in doubt, same Message-ID); o5's mails are allowed, not required.
    mails: ['<created-o1>', '<created-o1>', '<completed-o1>', '<created-o2>', '<completed-o2>', '<created-o3>', '<failed-o3>', '<created-o5>'].map((messageId) => ({ messageId })),
    expectedMessageIds: mailIds,
  };
}

describe('the order ledger checker (T16)', () => {
  it('passes a clean run and counts it: repeats of one Message-ID are duplicates, not violations', () => {
    const figures = checkOrderLedger(cleanRun());
    expect(figures).toMatchObject({ accepted: 3, definiteFailures: 1, unknown: 2, lost: 0, doubleCharged: 0, phantomCharges: 0, mailsRaw: 8, mailsDistinct: 7, duplicateMailsRaw: 1, missingMails: 0, unexpectedMails: 0 });
    expect(orderLedgerViolations(figures)).toEqual([]);
  });

  it.each<[string, (run: OrderLedgerInput) => OrderLedgerInput, RegExp | RegExp[]]>([
    ['an accepted order still pending', (run) => ({ ...run, statuses: new Map([...run.statuses, ['o2', 'pending']]), mails: run.mails.filter((m) => m.messageId !== '<completed-o2>') }), /1 accepted order\(s\) lost or not final \(o2\)/],
    ['an accepted order missing from the database (and so never charged)', (run) => ({ ...without(run, 'o2'), statuses: new Map([...run.statuses].filter(([id]) => id !== 'o2')) }), [/lost or not final/, /1 accepted order\(s\) never charged/]],
    ['an accepted order charged twice', (run) => ({ ...run, charges: [...run.charges, { id: 'c1b', reference: 'o1', status: 'succeeded' }] }), /1 accepted order\(s\) charged more than once/],
    ['an accepted order never charged', (run) => ({ ...run, charges: run.charges.filter((c) => c.reference !== 'o2') }), /1 accepted order\(s\) never charged/],
    ['a refused order charged', (run) => ({ ...run, orders: run.orders.map((o) => (o.key === 'k4' ? { ...o, orderId: 'o4' } : o)), statuses: new Map([...run.statuses, ['o4', 'paid']]), charges: [...run.charges, { id: 'c4', reference: 'o4', status: 'succeeded' }] }), /1 refused order\(s\) charged/],
    ['an unknown order charged twice', (run) => ({ ...run, charges: [...run.charges, { id: 'c5b', reference: 'o5', status: 'succeeded' }] }), /order\(s\) of unknown outcome charged more than once/],
    ['a charge for an order nobody placed', (run) => ({ ...run, charges: [...run.charges, { id: 'cx', reference: 'o-nobody', status: 'succeeded' }] }), /1 charge\(s\) for no known order/],
    ['an event never mailed', (run) => ({ ...run, mails: run.mails.filter((m) => m.messageId !== '<completed-o2>') }), /1 event\(s\) never mailed/],
    ['a second Message-ID for one event', (run) => ({ ...run, mails: [...run.mails, { messageId: '<created-o1-again>' }] }), /1 mail\(s\) no event accounts for/],
  ])('fails a run with %s', (_what, spoil, violations) => {
    expect(orderLedgerViolations(checkOrderLedger(spoil(cleanRun())))).toEqual([violations].flat().map((v) => expect.stringMatching(v)));
  });
});
