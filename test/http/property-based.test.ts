/**
 * Generated bodies thrown at the two writing endpoints. Whatever arrives: never a 5xx; every
 * rejection is the structured error body with its code's status and changes no row; every
 * acceptance adds exactly the rows it should.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, SCOPES } from '../../src/domain/access.ts';
import { ERROR_CODES, type ErrorCode } from '../../src/domain/errors.ts';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';

const KEYS = '/v1/auth/account/api-keys';
const REGISTER = '/v1/auth/agent-register';
const NOW = new Date('2030-01-01T00:00:00Z');
const NUM_RUNS = 120;

let server: TestServer;
let owner: Registered;

beforeAll(async () => {
  server = await startTestServer({ agentRegisterPerHour: 1_000_000 });
  server.clock.set(NOW);
  owner = await registerOrg(server);
});
afterAll(async () => server?.stop());

interface Counts {
  orgs: number;
  api_keys: number;
  credit_ledger: number;
  audit_events: number;
}

async function counts(): Promise<Counts> {
  const result = await sql<Counts>`
    select (select count(*) from orgs)::int as orgs,
           (select count(*) from api_keys)::int as api_keys,
           (select count(*) from credit_ledger)::int as credit_ledger,
           (select count(*) from audit_events)::int as audit_events`.execute(server.server.database.db);
  const row = result.rows[0];
  if (!row) throw new Error('count query returned no row');
  return { orgs: Number(row.orgs), api_keys: Number(row.api_keys), credit_ledger: Number(row.credit_ledger), audit_events: Number(row.audit_events) };
}

function added(before: Counts, after: Counts): Counts {
  return {
    orgs: after.orgs - before.orgs,
    api_keys: after.api_keys - before.api_keys,
    credit_ledger: after.credit_ledger - before.credit_ledger,
    audit_events: after.audit_events - before.audit_events,
  };
}

const NOTHING: Counts = { orgs: 0, api_keys: 0, credit_ledger: 0, audit_events: 0 };

/** JSON-encodes a generated value; `undefined` (and only it) becomes an empty body. */
function encode(value: unknown): string {
  return JSON.stringify(value) ?? '';
}

/**
 * Sends a raw JSON body and checks what holds for any outcome: no 5xx, and a rejection is the
 * structured body, with its code's status, and leaves every table as it was.
 */
async function send(route: string, rawBody: string, key?: string): Promise<{ response: ApiResponse; added: Counts }> {
  const before = await counts();
  const response = await server.request('POST', route, { rawBody, headers: { 'content-type': 'application/json' }, ...(key ? { key } : {}) });
  const after = await counts();
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
  if (response.status >= 300) {
    const code = errorCode(response) as ErrorCode;
    expect(ERROR_CODES[code]?.status).toBe(response.status);
    expect(added(before, after)).toEqual(NOTHING);
  }
  return { response, added: added(before, after) };
}

// ---- generators -------------------------------------------------------------------------------

/** Characters that tend to break things: NUL and other controls, surrogates, bidi, emoji, quotes. */
const nastyChar = fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\t', '\n', ' ', '"', '\\', '/', 'é', '\u00a0', '\u202e', '\u2028', '\ufeff', '\ufffd', '\ud800', '\udfff', '😀', '👩‍👩‍👧', 'a', 'Z', '0');

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: nastyChar, maxLength: 40 }),
  fc.string({ minLength: 100, maxLength: 4096 }),
  fc.constantFrom('', ' ', '   ', 'x'.repeat(100), 'x'.repeat(101)),
);

const isoBetween = (min: string, max: string) =>
  fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }).map((date) => date.toISOString());

/** Any value at all, including deep nesting and odd keys. */
const anything = fc.oneof(
  fc.anything(),
  fc.anything({ maxDepth: 8, withObjectString: true, withNullPrototype: true }),
  fc.object({ maxDepth: 4 }),
  fc.double(),
  fc.integer(),
  text,
  fc.constant(null),
);

/** A record of random keys (sometimes a known field or a dangerous one among them). */
const randomRecord = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('name', 'label', 'org_name', 'agent_name', 'admin', '__proto__', 'constructor')),
  anything,
  { maxKeys: 6 },
);

/** A label the API accepts: 1–100 characters, no control characters. */
const goodLabel = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((label) => !/[\u0000-\u001f\u007f]/.test(label));

/** Label-like text without control characters but with odd Unicode: unpaired surrogates, bidi overrides, BOM, emoji. */
const oddLabel = fc.string({ unit: fc.constantFrom('a', ' ', 'é', '\u00a0', '\u202e', '\u2028', '\ufeff', '\ufffd', '\ud800', '\udfff', '😀', '👩‍👩‍👧'), minLength: 1, maxLength: 30 });

/** Mostly a good value, sometimes some other value of interest. */
const mostly = <T,>(good: fc.Arbitrary<T>, ...others: fc.Arbitrary<unknown>[]) =>
  fc.oneof({ arbitrary: good, weight: 8 }, ...[text, anything, ...others].map((arbitrary) => ({ arbitrary, weight: 1 })));

const badExpiry = fc.oneof(
  isoBetween('1970-01-01T00:00:00Z', '2030-01-01T00:00:00Z'),
  fc.constantFrom('tomorrow', '2027-13-45T00:00:00Z', '2031-02-30T00:00:00Z', '2031-01-01', '2099-06-30T23:59:60Z', '2099-01-01t00:00:00z'),
);

/** Create-key bodies: mostly the real fields with good values, sometimes bad ones or extra keys. */
const keyRequest = fc
  .tuple(
    fc.record(
      {
        name: mostly(goodLabel, oddLabel),
        // Another name for `name`: sent now and then, as it clashes with a differing name.
        label: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.oneof(goodLabel, text, anything), weight: 1 }),
        expires_at: mostly(isoBetween('2030-01-01T00:00:00.001Z', '2200-01-01T00:00:00Z'), badExpiry),
        scopes: mostly(fc.subarray([...SCOPES], { minLength: 1 }), fc.array(fc.oneof(fc.constantFrom(...SCOPES), text), { maxLength: 4 })),
        role: mostly(fc.constantFrom(...ROLES)),
      },
      { requiredKeys: [] },
    ),
    fc.option(randomRecord, { freq: 5 }),
  )
  .map(([known, extra]) => ({ ...(extra ?? {}), ...known }));

/** Agent-register bodies, likewise. */
const registerRequest = fc
  .tuple(fc.record({ org_name: mostly(goodLabel, oddLabel), agent_name: mostly(goodLabel, oddLabel) }, { requiredKeys: [] }), fc.option(randomRecord, { freq: 5 }))
  .map(([known, extra]) => ({ ...(extra ?? {}), ...known }));

const rawString = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: nastyChar, maxLength: 200 }),
  fc.json().map((json) => json.slice(0, Math.max(0, json.length - 1))),
);

// ---- what an accepted request must have written -----------------------------------------------

/** The name a created key must get: `name`, else `label`, trimmed; blank means none. */
function expectedKeyName(body: Record<string, unknown>): string | null {
  const chosen = (body['name'] ?? body['label']) as string | undefined;
  return chosen?.trim() || null;
}

/** Checks an accepted create-key request (`rawBody` as the server read it) wrote exactly its rows. */
async function checkCreatedKey(rawBody: string, response: ApiResponse, delta: Counts): Promise<void> {
  const body = JSON.parse(rawBody) as Record<string, unknown>;
  expect(delta).toEqual({ ...NOTHING, api_keys: 1, audit_events: 1 });
  const keyId = String(response.body['api_key_id']);
  const row = await server.server.database.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
  expect(row.org_id).toBe(owner.orgId);
  expect(row.name).toBe(response.body['name']);
  expect(row.name).toBe(expectedKeyName(body));
  const audit = await server.server.database.db.selectFrom('audit_events').select(['action', 'org_id']).where('target_id', '=', keyId).execute();
  expect(audit).toEqual([{ action: 'api_key.created', org_id: owner.orgId }]);
}

/** Checks an accepted registration (`rawBody` as the server read it) wrote exactly its rows. */
async function checkRegistration(rawBody: string, response: ApiResponse, delta: Counts): Promise<void> {
  expect(delta).toEqual({ ...NOTHING, orgs: 1, api_keys: 1, audit_events: 1 });
  const input = JSON.parse(rawBody) as { org_name?: string; agent_name?: string };
  const org = await server.server.database.db.selectFrom('orgs').selectAll().where('id', '=', String(response.body['org_id'])).executeTakeFirstOrThrow();
  expect(org.display_name).toBe(input.org_name?.trim() || 'Agent workspace');
  const key = await server.server.database.db.selectFrom('api_keys').selectAll().where('id', '=', String(response.body['api_key_id'])).executeTakeFirstOrThrow();
  expect(key.org_id).toBe(org.id);
  expect(key.name).toBe(input.agent_name?.trim() || null);
  expect(key.role).toBe('owner');
}

// ---- properties -------------------------------------------------------------------------------

describe('POST /v1/auth/account/api-keys with generated bodies', () => {
  it('any JSON value: no 5xx, rejections change nothing, acceptances add one key and one audit event', async () => {
    await fc.assert(
      fc.asyncProperty(anything, async (value) => {
        const rawBody = encode(value);
        const { response, added: delta } = await send(KEYS, rawBody, owner.key);
        if (response.status < 300) await checkCreatedKey(rawBody, response, delta);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('generated JSON text (fc.json): no 5xx, rejections change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json(), async (json) => {
        const { response, added: delta } = await send(KEYS, json, owner.key);
        if (response.status < 300) await checkCreatedKey(json, response, delta);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('key requests with good, bad and unknown fields: no 5xx, rejections change nothing, acceptances add exactly the key', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(keyRequest, async (body) => {
        const rawBody = encode(body);
        const { response, added: delta } = await send(KEYS, rawBody, owner.key);
        if (response.status < 300) {
          accepted += 1;
          await checkCreatedKey(rawBody, response, delta);
        }
      }),
      { numRuns: 200 },
    );
    // The generator is built so that a good share is valid; none at all would make this vacuous.
    expect(accepted).toBeGreaterThan(0);
  });

  it('raw strings as the body with Content-Type: application/json: no 5xx, rejections change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(rawString, async (raw) => {
        const { response, added: delta } = await send(KEYS, raw, owner.key);
        if (response.status < 300) await checkCreatedKey(raw, response, delta);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('POST /v1/auth/agent-register with generated bodies', () => {
  it('any JSON value: no 5xx, rejections change nothing, acceptances add one org, one key and one audit event', async () => {
    await fc.assert(
      fc.asyncProperty(anything, async (value) => {
        const rawBody = encode(value);
        const { response, added: delta } = await send(REGISTER, rawBody);
        if (response.status < 300) await checkRegistration(rawBody, response, delta);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('registration requests with good, bad and unknown fields: no 5xx, rejections change nothing, acceptances add exactly the org and key', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(registerRequest, async (body) => {
        const rawBody = encode(body);
        const { response, added: delta } = await send(REGISTER, rawBody);
        if (response.status < 300) {
          accepted += 1;
          await checkRegistration(rawBody, response, delta);
        }
      }),
      { numRuns: 200 },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('raw strings as the body with Content-Type: application/json: no 5xx, rejections change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(rawString, async (raw) => {
        const { response, added: delta } = await send(REGISTER, raw);
        if (response.status < 300) await checkRegistration(raw, response, delta);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
