import {
  checkDeadLetters,
  checkEffects,
  checkLeases,
  checkPerKeyOrder,
  checkTotalQueue,
  fateOf,
  percentile,
  recoverySeconds,
  type HistoryEvent,
} from '../testing/faults/index.js';

// Small hand-written histories: each checker must pass a good one and fail each kind of bad one.
let clock = 1_000;
const ev = (e: Partial<HistoryEvent> & Pick<HistoryEvent, 'type' | 'f' | 'value'>): HistoryEvent => ({ process: 'p', time: (clock += 10), ...e });
const publish = (value: string, outcome: 'ok' | 'fail' | 'info' = 'ok') => [ev({ type: 'invoke', f: 'publish', value, process: 'pub' }), ev({ type: outcome, f: 'publish', value, process: 'pub' })];
const deliver = (value: string, process: string, token: string, claimedAt: number, leaseExpiresAt: number, extra: Partial<HistoryEvent> = {}) =>
  ev({ type: 'ok', f: 'deliver', value, process, messageId: `m-${value}`, leaseToken: token, claimedAt, leaseExpiresAt, ...extra });
const settle = (f: 'ack' | 'nack' | 'extend', value: string, process: string, token: string, outcome: 'ok' | 'fail' | 'info', at: number, extra: Partial<HistoryEvent> = {}) => [
  { ...ev({ type: 'invoke', f, value, process, messageId: `m-${value}`, leaseToken: token }), time: at },
  { ...ev({ type: outcome, f, value, process, messageId: `m-${value}`, leaseToken: token, ...extra }), time: at + 2 },
];
const byTime = (events: HistoryEvent[]) => [...events].sort((a, b) => a.time - b.time);

describe('checkTotalQueue', () => {
  it('passes when every acknowledged publish was acked once, and counts redeliveries and recovered values', () => {
    const h = byTime([
      ...publish('pub-0'),
      ...publish('pub-1', 'info'),
      deliver('pub-0', 'c1', 't1', 100, 200),
      deliver('pub-0', 'c2', 't2', 250, 350),
      ...settle('ack', 'pub-0', 'c2', 't2', 'ok', 300),
      deliver('pub-1', 'c1', 't3', 400, 500),
      ...settle('ack', 'pub-1', 'c1', 't3', 'ok', 450),
    ]);
    const r = checkTotalQueue(h);
    expect(r).toMatchObject({ valid: true, attempted: 2, acknowledged: 1, delivered: 2, completed: 2, lost: [], unexpected: [], duplicated: [], duplicatedDeliveries: 1, recovered: ['pub-1'] });
  });

  it('fails on a lost value and splits lost values into prefix, middle and postfix', () => {
    const values = ['pub-0', 'pub-1', 'pub-2', 'pub-3', 'pub-4'];
    const h = byTime([...values.flatMap((v) => publish(v)), ...['pub-1', 'pub-3'].flatMap((v, i) => [deliver(v, 'c', `t${i}`, 10, 20), ...settle('ack', v, 'c', `t${i}`, 'ok', 15)])]);
    const r = checkTotalQueue(h);
    expect(r.valid).toBe(false);
    expect(r.lost.sort()).toEqual(['pub-0', 'pub-2', 'pub-4']);
    expect(r.lostBreakdown).toEqual({ prefix: 1, middle: 1, postfix: 1 });
  });

  it('fails on an unexpected value, and counts a value acked twice as duplicated', () => {
    const h = byTime([...publish('pub-0'), deliver('ghost-1', 'c', 't9', 10, 20), ...settle('ack', 'pub-0', 'c', 'a', 'ok', 30), ...settle('ack', 'pub-0', 'c', 'b', 'ok', 40)]);
    const r = checkTotalQueue(h);
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual(['ghost-1']);
    expect(r.duplicated).toEqual(['pub-0']);
  });

  it('counts a value whose ack went out without an answer (the consumer died) as completed, not lost', () => {
    const h = byTime([...publish('pub-0'), ...publish('pub-1'), deliver('pub-0', 'c', 't1', 10, 20), ...settle('ack', 'pub-0', 'c', 't1', 'info', 15), deliver('pub-1', 'c', 't2', 10, 20), ev({ type: 'invoke', f: 'ack', value: 'pub-1', process: 'c', leaseToken: 't2' })]);
    expect(checkTotalQueue(h)).toMatchObject({ valid: true, lost: [], ackUnknown: ['pub-0', 'pub-1'] });
    const refused = byTime([...publish('pub-0'), deliver('pub-0', 'c', 't1', 10, 20), ...settle('ack', 'pub-0', 'c', 't1', 'fail', 15)]);
    expect(checkTotalQueue(refused)).toMatchObject({ valid: false, lost: ['pub-0'], ackUnknown: [] });
  });

  it('counts dead-lettered values as reached', () => {
    expect(checkTotalQueue(publish('pub-0'), { reached: ['pub-0'] }).valid).toBe(true);
    expect(checkTotalQueue(publish('pub-0')).valid).toBe(false);
  });
});

describe('checkLeases', () => {
  it('passes a redelivery after the first lease ran out, and a redelivery after an accepted nack', () => {
    const h = byTime([
      deliver('v-0', 'c1', 't1', 100, 200),
      deliver('v-0', 'c2', 't2', 200, 300),
      ...settle('ack', 'v-0', 'c2', 't2', 'ok', 250),
      deliver('v-1', 'c1', 't3', 100, 1000),
      ...settle('nack', 'v-1', 'c1', 't3', 'ok', 150),
      deliver('v-1', 'c2', 't4', 160, 1060),
      ...settle('ack', 'v-1', 'c2', 't4', 'ok', 170),
    ]);
    expect(checkLeases(h)).toMatchObject({ valid: true, overlaps: [], staleAccepted: [] });
  });

  it('fails when a second holder claimed before the first lease ended (an extend counts)', () => {
    const overlap = byTime([deliver('v-0', 'c1', 't1', 100, 200), deliver('v-0', 'c2', 't2', 150, 250)]);
    expect(checkLeases(overlap).overlaps).toEqual([{ messageId: 'm-v-0', first: { process: 'c1', leaseToken: 't1' }, second: { process: 'c2', leaseToken: 't2' }, overlapMs: 50 }]);
    const extended = byTime([deliver('v-0', 'c1', 't1', 100, 200), ...settle('extend', 'v-0', 'c1', 't1', 'ok', 150, { leaseExpiresAt: 400 }), deliver('v-0', 'c2', 't2', 300, 400)]);
    expect(checkLeases(extended).valid).toBe(false);
  });

  it('fails when an ack with a superseded token was accepted, and passes when it was refused', () => {
    const zombie = (outcome: 'ok' | 'fail') =>
      byTime([deliver('v-0', 'zombie', 't1', 100, 200), deliver('v-0', 'c2', 't2', 210, 310), ...settle('ack', 'v-0', 'c2', 't2', 'ok', 250), ...settle('ack', 'v-0', 'zombie', 't1', outcome, 400)]);
    const accepted = checkLeases(zombie('ok'));
    expect(accepted.valid).toBe(false);
    expect(accepted.staleAccepted).toEqual([{ messageId: 'm-v-0', f: 'ack', process: 'zombie', leaseToken: 't1', reason: 'already-acked' }]);
    const refused = checkLeases(zombie('fail'));
    expect(refused).toMatchObject({ valid: true, refused: 1 });
  });

  it('fails when a nack with a superseded token was accepted before any ack', () => {
    const h = byTime([deliver('v-0', 'zombie', 't1', 100, 200), deliver('v-0', 'c2', 't2', 210, 310), ...settle('nack', 'v-0', 'zombie', 't1', 'ok', 260)]);
    expect(checkLeases(h).staleAccepted).toMatchObject([{ reason: 'superseded', f: 'nack' }]);
  });

  it('fails when a copy is claimed again after its ack was accepted', () => {
    const h = byTime([deliver('v-0', 'c1', 't1', 100, 200), ...settle('ack', 'v-0', 'c1', 't1', 'ok', 150), deliver('v-0', 'c2', 't2', 300, 400)]);
    expect(checkLeases(h)).toMatchObject({ valid: false, redeliveredAfterAck: ['m-v-0'] });
  });

  it('keys leases by deliveryId: copies forced to share a message id do not overlap', () => {
    const h = byTime([deliver('v-0', 'c1', 't1', 100, 200, { deliveryId: '1' }), deliver('v-0', 'c2', 't2', 100, 200, { deliveryId: '2' })]);
    expect(checkLeases(h).valid).toBe(true);
  });
});

describe('checkEffects', () => {
  const h = byTime([...publish('pub-0'), ...publish('pub-1'), ev({ type: 'fail', f: 'effect', value: 'pub-0', error: 'duplicate' })]);
  it('passes one effect per expected value and counts the duplicates the inbox caught', () => {
    expect(checkEffects([{ value: 'pub-0' }, { value: 'pub-1' }], h, { expected: ['pub-0', 'pub-1'] })).toMatchObject({ valid: true, duplicateEffects: 0, duplicatesDetected: 1 });
  });
  it('fails on a duplicate effect, a phantom effect and a missing effect', () => {
    expect(checkEffects([{ value: 'pub-0' }, { value: 'pub-0' }], h)).toMatchObject({ valid: false, duplicateEffects: 1, duplicatedValues: ['pub-0'] });
    expect(checkEffects([{ value: 'pub-9' }], h)).toMatchObject({ valid: false, phantoms: ['pub-9'] });
    expect(checkEffects([{ value: 'pub-0' }], h, { expected: ['pub-0', 'pub-1'] })).toMatchObject({ valid: false, missing: ['pub-1'] });
  });
});

describe('checkDeadLetters', () => {
  // fateOf: n mod 8 = 0 poison, 1 crasher, 2 flaky, else normal.
  const claims = (value: string, n: number) => Array.from({ length: n }, (_, i) => deliver(value, 'c', `${value}-t${i}`, 100 * i, 100 * i + 50));
  const good = () =>
    byTime([
      ...['p-0', 'p-1', 'p-2', 'p-3'].flatMap((v) => publish(v)),
      ...claims('p-0', 3),
      ...claims('p-1', 3),
      ...claims('p-2', 2),
      ...settle('ack', 'p-2', 'c', 'p-2-t1', 'ok', 500),
      ...claims('p-3', 1),
      ...settle('ack', 'p-3', 'c', 'p-3-t0', 'ok', 600),
    ]);
  it('passes: poison and crasher dead-lettered once after maxAttempts claims, flaky and normal completed', () => {
    expect(fateOf('p-0')).toBe('poison');
    expect(fateOf('p-9')).toBe('crasher');
    const r = checkDeadLetters(good(), ['p-0', 'p-1'], fateOf, { maxAttempts: 3 });
    expect(r.valid).toBe(true);
    expect(r.byFate).toEqual({
      poison: { acknowledged: 1, completed: 0, deadLettered: 1 },
      crasher: { acknowledged: 1, completed: 0, deadLettered: 1 },
      flaky: { acknowledged: 1, completed: 1, deadLettered: 0 },
      normal: { acknowledged: 1, completed: 1, deadLettered: 0 },
    });
  });
  it('fails on each broken rule', () => {
    expect(checkDeadLetters(good(), ['p-0', 'p-1', 'p-0'], fateOf).duplicates).toEqual(['p-0']);
    expect(checkDeadLetters(good(), ['p-0', 'p-1', 'x-5'], fateOf).unknown).toEqual(['x-5']);
    expect(checkDeadLetters(good(), ['p-0'], fateOf).neither).toEqual(['p-1']);
    const normalDead = checkDeadLetters(good(), ['p-0', 'p-1', 'p-3'], fateOf);
    expect(normalDead).toMatchObject({ valid: false, normalDead: ['p-3'], both: ['p-3'] });
    const poisonDone = byTime([...good(), ...settle('ack', 'p-0', 'c', 'p-0-t2', 'ok', 700)]);
    expect(checkDeadLetters(poisonDone, ['p-1'], fateOf).poisonCompleted).toEqual(['p-0']);
    expect(checkDeadLetters(good(), ['p-0', 'p-1'], fateOf, { maxAttempts: 2 }).wrongAttempts).toEqual([{ value: 'p-0', claims: 3 }, { value: 'p-1', claims: 3 }]);
  });
});

describe('checkPerKeyOrder', () => {
  const d = (value: string, key: string, seq: number, claimedAt: number) => deliver(value, 'c', `t-${value}`, claimedAt, claimedAt + 100, { key, seq });
  it('passes values of each key delivered in seq order (redeliveries ignored)', () => {
    const h = byTime([d('a-0', 'k0', 0, 10), d('a-1', 'k1', 0, 11), d('a-2', 'k0', 1, 12), d('a-0', 'k0', 0, 30), d('a-3', 'k0', 2, 40)]);
    expect(checkPerKeyOrder(h)).toMatchObject({ valid: true, keys: 2, reorders: 0, gaps: 0 });
  });
  it('fails on a reorder and on a gap', () => {
    expect(checkPerKeyOrder(byTime([d('a-0', 'k0', 1, 10), d('a-1', 'k0', 0, 20)]))).toMatchObject({ valid: false, reorders: 1, examples: [{ key: 'k0', seq: 0, after: 1 }] });
    expect(checkPerKeyOrder(byTime([d('a-0', 'k0', 0, 10), d('a-2', 'k0', 2, 20)]))).toMatchObject({ valid: false, gaps: 1 });
  });
});

describe('timing helpers', () => {
  it('percentile by nearest rank, and recovery from the fault end', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 100], 99)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
    const h = [deliver('v-0', 'c', 't', 0, 1, { time: 900 }), deliver('v-1', 'c', 't2', 0, 1, { time: 2_500 })];
    expect(recoverySeconds(h, 1_000, 4_000)).toEqual({ firstClaim: 1.5, drained: 3 });
  });
});
