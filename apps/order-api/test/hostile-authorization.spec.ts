import { randomBytes } from 'node:crypto';
import { bearerWithClaims, TEST_AUTH, unsignedBearer } from './customer-tokens.js';
import { describeRefusals, INJECTION_STRINGS, INJECTIONS, order, postJson, type RefusalCase } from './hostile/cases.js';
import { callerHeaders, type HostileRequest } from './hostile/http-client.js';
import { startHostileOrderApi, type HostileOrderApi } from './hostile/order-api-fixture.js';

/** A key that is not the API's: what an attacker signs with. */
const OTHER_KEY = randomBytes(32).toString('base64url');
const valid = callerHeaders().authorization;
const [head, , signature] = valid.slice('Bearer '.length).split('.');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A header value as the bytes of its UTF-8 form (what a client puts on the wire), for the characters HTTP allows. */
const onTheWire = (value: string) => Buffer.from(value).toString('latin1');
const sendable = (value: string) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(onTheWire(value));

// The reasons are matched in the JSON of the message, where its quotes are escaped.
const MUST_BE_BEARER = /must be \\"Bearer <token>\\"/;
const NOT_VALID = /the bearer token is not valid/;
const NO_CUSTOMER = /no customer id in sub/;

/** Each hostile Authorization header (undefined: none) and what the 401 must say. */
const HEADERS: [string, string | undefined, RegExp][] = [
  ['no Authorization header', undefined, /bearer token is required/],
  ['"Bearer" and no token', 'Bearer', MUST_BE_BEARER],
  ['Basic credentials', 'Basic YWRhOnB3', MUST_BE_BEARER],
  ['a valid token under another scheme', `Token ${valid.slice(7)}`, MUST_BE_BEARER],
  ['a valid token with no scheme', valid.slice(7), MUST_BE_BEARER],
  ['two valid tokens in one header', `${valid}, ${valid}`, MUST_BE_BEARER],
  ['a token of two segments', 'Bearer a.b', /jwt malformed/],
  ['a token of three garbage segments', 'Bearer a.b.c', NOT_VALID],
  ['a valid token with a fourth segment', `${valid}.x`, /jwt malformed/],
  ['a valid token with its signature changed', `${valid}x`, /invalid signature/],
  ['a valid token whose sub was changed to another customer (the signature kept)', `Bearer ${head}.${b64({ sub: 'cust-victim', aud: TEST_AUTH.audience, iss: TEST_AUTH.issuer, exp: 4_102_444_800 })}.${signature}`, /invalid signature/],
  ['a header whose JSON is broken', `Bearer ${Buffer.from('{"alg":"HS256"').toString('base64url')}.${b64({ sub: 'cust-a' })}.${signature}`, NOT_VALID],
  ['a huge token (12 KB of one segment)', `Bearer ${'a'.repeat(12_000)}`, /jwt malformed/],
  ['a huge token (three 4 KB segments)', `Bearer ${['h', 'p', 's'].map((c) => c.repeat(4_000)).join('.')}`, NOT_VALID],
  ['a huge signed token of another key (an 8 KB claim)', bearerWithClaims({ pad: 'p'.repeat(8_000) }, { secret: OTHER_KEY }).authorization, /invalid signature/],
  ['alg none', unsignedBearer().authorization, NOT_VALID],
  ['alg None', unsignedBearer({}, { alg: 'None', typ: 'JWT' }).authorization, NOT_VALID],
  ['alg NONE, naming another customer', unsignedBearer({ sub: 'cust-victim' }, { alg: 'NONE', typ: 'JWT' }).authorization, NOT_VALID],
  ['alg HS256 with no signature', unsignedBearer({}, { alg: 'HS256', typ: 'JWT' }).authorization, NOT_VALID],
  ['alg none with the signature of a valid token', `${unsignedBearer().authorization}${signature}`, NOT_VALID],
  ['alg RS256 (the key confusion attack: HMAC with the key as if public)', bearerWithClaims({}, { header: { alg: 'RS256' } }).authorization, /invalid algorithm/],
  ['HS512 with the right key (the algorithm is pinned)', bearerWithClaims({}, { algorithm: 'HS512' }).authorization, /invalid algorithm/],
  ['HS384 with the right key', bearerWithClaims({}, { algorithm: 'HS384' }).authorization, /invalid algorithm/],
  ['a kid that is a path, signed with another key', bearerWithClaims({}, { secret: OTHER_KEY, header: { kid: '../../../../dev/null' } }).authorization, /invalid signature/],
  ['a kid that is SQL, signed with another key', bearerWithClaims({}, { secret: OTHER_KEY, header: { kid: "x' UNION SELECT 'k' --" } }).authorization, /invalid signature/],
  ['a jku naming a key set elsewhere, signed with another key', bearerWithClaims({}, { secret: OTHER_KEY, header: { jku: 'http://127.0.0.1:1/jwks.json' } }).authorization, /invalid signature/],
  ['an embedded jwk, signed with it', bearerWithClaims({}, { secret: OTHER_KEY, header: { jwk: { kty: 'oct', k: OTHER_KEY } } }).authorization, /invalid signature/],
  ['exp as a string', bearerWithClaims({ exp: '4102444800' }).authorization, /invalid exp value/],
  ['exp in the past', bearerWithClaims({ exp: 1 }).authorization, /expired/],
  ['nbf in the future', bearerWithClaims({ nbf: 4_102_444_800 }).authorization, /not valid yet/],
  ['aud as an injection string', bearerWithClaims({ aud: "' OR '1'='1" }).authorization, /audience invalid/],
  ['a sub of 65 characters', bearerWithClaims({ sub: 'c'.repeat(65) }).authorization, NO_CUSTOMER],
  ['an empty sub', bearerWithClaims({ sub: '' }).authorization, NO_CUSTOMER],
  ...INJECTION_STRINGS.filter(([, value]) => sendable(`Bearer ${value}`)).map(([what, value]): [string, string, RegExp] => [
    `"Bearer" with ${what}`,
    onTheWire(`Bearer ${value}`),
    new RegExp(`${MUST_BE_BEARER.source}|jwt malformed`),
  ]),
  // The injections aimed at customerId when it came in the body: now in the token's sub, signed with the API's key.
  ...INJECTIONS.map(([what, value]): [string, string, RegExp] => [`a signed token whose sub is ${what}`, bearerWithClaims({ sub: value }).authorization, NO_CUSTOMER]),
];

const ROUTES: [string, () => HostileRequest][] = [
  ['POST /orders', () => postJson(order(), { 'idempotency-key': 'hostile-auth' })],
  ['GET /orders', () => ({ path: '/orders?customerId=cust-victim' })],
  ['GET /orders/:id', () => ({ path: '/orders/3f1c2a4e-8b7d-4c6e-9f00-123456789abc' })],
];

const cases: RefusalCase[] = ROUTES.flatMap(([route, request]) =>
  HEADERS.map(([what, authorization, reason]): RefusalCase => {
    const base = request();
    return {
      name: `${route} with ${what}: 401`,
      request: authorization === undefined ? { ...base, caller: null } : { ...base, headers: { ...base.headers, authorization } },
      status: 401,
      reason,
      headers: { 'www-authenticate': /^Bearer realm="order-api"/ },
      notEchoed: authorization && authorization.length > 8 ? authorization.slice(7) : undefined,
    };
  }),
);

// Node bounds the headers (16 KB): a bigger Authorization never reaches the API.
const oversized: RefusalCase[] = ROUTES.map(([route, request]) => ({
  name: `${route} with a 20 KB Authorization header: 431 from Node`,
  request: { ...request(), headers: { ...request().headers, authorization: `Bearer ${'a'.repeat(20_000)}` } },
  status: 431,
  bare: true,
}));

describe('order-api: hostile Authorization headers', () => {
  let api: HostileOrderApi;
  beforeAll(async () => {
    api = await startHostileOrderApi('hostile_auth');
    // An order of another customer, that a forged token would like to see.
    expect((await api.send({ ...postJson(order()), caller: 'cust-victim' })).status).toBe(201);
  });
  afterAll(() => api.stop());

  describeRefusals('each a 401 with a reason and a Bearer challenge, nothing written, nothing echoed', () => api, cases);
  describeRefusals('headers beyond what Node reads', () => api, oversized);

  it('still takes a valid token on every route after all of them (a control: the refusals are not a broken guard)', async () => {
    const created = await api.send(postJson(order(), { 'idempotency-key': 'hostile-auth' }));
    expect(created.status).toBe(201);
    expect((await api.send({ path: `/orders/${created.json.id}` })).status).toBe(200);
    const mine = await api.send({ path: '/orders' });
    expect([mine.status, mine.json.items.map((o: { id: string }) => o.id)]).toEqual([200, [created.json.id]]);
  });
});
