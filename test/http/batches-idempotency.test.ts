/**
 * Submitting a batch needs an Idempotency-Key (DESIGN §5): the same key and body return the
 * original batch, another body under the same key is a conflict, keys belong to one org, and a
 * burst of identical retries stores one batch and reserves its credits once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../helpers/batches.ts';
import { detailsOf, quote, submit, type BatchBody } from '../helpers/batch-requests.ts';
import { balanceMicros, expectLedgerMatchesBalance, grantMicros, ledgerRows, microsOf, storedRows } from '../helpers/money.ts';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

/** An org with $10 of credits. */
async function newOrg(): Promise<Registered> {
  const org = await registerOrg(server);
  await grantMicros(server, org.orgId, 10_000_000);
  return org;
}

async function batchesWithKey(orgId: string, idempotencyKey: string): Promise<number> {
  const rows = await server.server.database.db.selectFrom('batches').select('id').where('org_id', '=', orgId).where('idempotency_key', '=', idempotencyKey).execute();
  return rows.length;
}

describe('replaying a submit', () => {
  it('the same key and body return the original batch: 200, the same id, Idempotent-Replayed: true', async () => {
    const org = await newOrg();
    const first = await submit(server, org.key, manifestOf(3), 'replay-same-body-01');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await submit(server, org.key, manifestOf(3), 'replay-same-body-01');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.item_count).toBe(3);
    expect(await batchesWithKey(org.orgId, 'replay-same-body-01')).toBe(1);
  });

  it('a replay reserves nothing more: one reservation in the ledger', async () => {
    const org = await newOrg();
    const first = await submit(server, org.key, manifestOf(2), 'replay-ledger-0001');
    await submit(server, org.key, manifestOf(2), 'replay-ledger-0001');
    await submit(server, org.key, manifestOf(2), 'replay-ledger-0001');
    expect(first.status).toBe(201);
    const reservations = (await ledgerRows(server, org.orgId)).filter((row) => row.entry_type === 'reservation');
    expect(reservations).toHaveLength(1);
    await expectLedgerMatchesBalance(server, org.orgId);
  });

  it('the same body with its fields in another order is the same request', async () => {
    const org = await newOrg();
    const body = manifestOf(1);
    const reordered = { items: body.items.map(({ input, model, operation, customer_item_id }) => ({ input, model, operation, customer_item_id })), routing_mode: body.routing_mode, sla_tier: body.sla_tier };
    const first = await submit(server, org.key, body, 'replay-reordered-1');
    const again = await submit(server, org.key, reordered, 'replay-reordered-1');
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('a replay after the balance was spent still returns the batch, not 402', async () => {
    const org = await registerOrg(server);
    const { pricing_estimate } = await quote(server, org.key, manifestOf(1));
    await grantMicros(server, org.orgId, microsOf(pricing_estimate.max));
    const first = await submit(server, org.key, manifestOf(1), 'replay-after-spend');
    expect(first.status).toBe(201);
    expect(await balanceMicros(server, org.orgId)).toBe(0);
    const again = await submit(server, org.key, manifestOf(1), 'replay-after-spend');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });
});

describe('reusing a key for another request', () => {
  it('the same key with a different body gets 409 idempotency_key_reused and stores nothing', async () => {
    const org = await newOrg();
    const first = await submit(server, org.key, manifestOf(2), 'reused-key-000001');
    expect(first.status).toBe(201);
    const before = await storedRows(server, org.orgId);

    const other = await submit(server, org.key, manifestOf(3), 'reused-key-000001');
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe('idempotency_key_reused');
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it('metadata is part of the request: another metadata under the same key is 409 idempotency_key_reused', async () => {
    const org = await newOrg();
    expect((await submit(server, org.key, { ...manifestOf(1), metadata: { run: '1' } }, 'reused-metadata-01')).status).toBe(201);
    const other = await submit(server, org.key, { ...manifestOf(1), metadata: { run: '2' } }, 'reused-metadata-01');
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe('idempotency_key_reused');
  });
});

describe('the Idempotency-Key header', () => {
  it('a submit without it gets 400 idempotency_key_required and stores nothing', async () => {
    const org = await newOrg();
    const before = await storedRows(server, org.orgId);
    const response = await server.request('POST', '/v1/batches', { key: org.key, body: manifestOf(1) });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('idempotency_key_required');
    expect(detailsOf(response)).toEqual([{ path: 'headers.idempotency-key', message: 'is required' }]);
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it.each([
    ['empty', ''],
    ['7 characters (too short)', 'abcdefg'],
    ['129 characters (too long)', 'k'.repeat(129)],
    ['holding a space', 'has a space'],
    ['holding a non-ASCII character', 'clé-de-batch'],
  ])('a key %s gets 400 idempotency_key_required and stores nothing', async (_why, idempotencyKey) => {
    const org = await newOrg();
    const before = await storedRows(server, org.orgId);
    const response = await server.request('POST', '/v1/batches', {
      key: org.key,
      // fetch refuses header values outside latin1, so non-ASCII keys are sent as their UTF-8 bytes.
      body: manifestOf(1),
      headers: { 'idempotency-key': Buffer.from(idempotencyKey, 'utf8').toString('latin1') },
    });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('idempotency_key_required');
    expect(detailsOf(response)[0]?.path).toBe('headers.idempotency-key');
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it('keys of 8 and of 128 printable characters are accepted', async () => {
    const org = await newOrg();
    expect((await submit(server, org.key, manifestOf(1), 'k'.repeat(8))).status).toBe(201);
    expect((await submit(server, org.key, manifestOf(1), '~'.repeat(128))).status).toBe(201);
  });

  it('keys belong to one org: another org may use the same key and gets its own batch', async () => {
    const first = await newOrg();
    const second = await newOrg();
    const mine = await submit(server, first.key, manifestOf(1), 'shared-key-between-orgs');
    const theirs = await submit(server, second.key, manifestOf(2), 'shared-key-between-orgs');
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.item_count).toBe(2);
    const replay = await submit(server, first.key, manifestOf(1), 'shared-key-between-orgs');
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(mine.body.id);
  });
});

describe('50 identical submits at once', () => {
  let org: Registered;
  let responses: ApiResponse<BatchBody>[];
  beforeAll(async () => {
    org = await newOrg();
    responses = await Promise.all(Array.from({ length: 50 }, () => submit(server, org.key, manifestOf(5), 'concurrent-identical-01')));
  });

  it('store exactly one batch', async () => {
    expect(await batchesWithKey(org.orgId, 'concurrent-identical-01')).toBe(1);
    expect((await storedRows(server, org.orgId)).batches).toBe(1);
  });

  it('answer 201 once, then 200 with the same id or 409 idempotency_key_in_flight', async () => {
    const stored = await server.server.database.db.selectFrom('batches').select('id').where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(responses.filter((response) => response.status === 201)).toHaveLength(1);
    for (const response of responses) {
      if (response.status === 409) {
        expect(errorCode(response)).toBe('idempotency_key_in_flight');
      } else {
        expect([200, 201]).toContain(response.status);
        expect(response.body.id).toBe(stored.id);
        expect(response.headers.get('idempotent-replayed')).toBe(response.status === 200 ? 'true' : null);
      }
    }
  });

  it('reserve credits once', async () => {
    const reservations = (await ledgerRows(server, org.orgId)).filter((row) => row.entry_type === 'reservation');
    expect(reservations).toHaveLength(1);
    await expectLedgerMatchesBalance(server, org.orgId);
  });
});
