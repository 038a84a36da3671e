/**
 * Credits and batches (DESIGN §5 Money): submit reserves the quoted maximum or answers 402 and
 * stores nothing; concurrent submits never overdraw; when a batch ends only succeeded items are
 * charged, and the ledger always sums to the balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformFee } from '../../src/domain/pricing.ts';
import { manifestOf } from '../helpers/batches.ts';
import { allResults, detailsOf, quote, submit, TERMINAL_STATUSES, waitForStatus, type BatchBody } from '../helpers/batch-requests.ts';
import { balanceMicros, expectLedgerMatchesBalance, grantMicros, ledgerRows, microsOf, storedRows } from '../helpers/money.ts';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  // A quarter of the sandbox's requests fail for good, so finished batches mix succeeded and failed items.
  server = await startTestServer({ sandboxPermanentFailureRate: 0.25 });
});
afterAll(async () => server?.stop());

/** The most a manifest may cost: what submit reserves. */
async function maxOf(org: Registered, manifest: unknown): Promise<number> {
  return microsOf((await quote(server, org.key, manifest)).pricing_estimate.max);
}

describe('402 insufficient_credits', () => {
  it('at a zero balance, names the required and available amounts and stores nothing', async () => {
    const org = await registerOrg(server);
    const required = await maxOf(org, manifestOf(3));
    const response = await submit(server, org.key, manifestOf(3));
    expect(response.status).toBe(402);
    expect(errorCode(response)).toBe('insufficient_credits');
    const [detail] = detailsOf(response);
    expect(detail?.path).toBe('credit_balance');
    expect(detail?.message).toMatch(/required ([\d.]+) USD, available 0\.00 USD/);
    expect(microsOf(/required ([\d.]+) USD/.exec(detail?.message ?? '')?.[1] ?? '')).toBe(required);
    expect(await storedRows(server, org.orgId)).toEqual({ batches: 0, items: 0, ledger: 0, balance: 0 });
  });

  it('with a balance one micro-dollar short of the maximum, stores nothing', async () => {
    const org = await registerOrg(server);
    const required = await maxOf(org, manifestOf(3));
    await grantMicros(server, org.orgId, required - 1);
    const before = await storedRows(server, org.orgId);
    const response = await submit(server, org.key, manifestOf(3));
    expect(response.status).toBe(402);
    expect(errorCode(response)).toBe('insufficient_credits');
    expect(detailsOf(response)[0]?.message).toMatch(/required [\d.]+ USD, available [\d.]+ USD/);
    expect(await storedRows(server, org.orgId)).toEqual(before);
    expect(before).toMatchObject({ batches: 0, items: 0, ledger: 1 });
  });

  it('a balance of exactly the maximum is enough: submit reserves all of it', async () => {
    const org = await registerOrg(server);
    const required = await maxOf(org, manifestOf(3));
    await grantMicros(server, org.orgId, required);
    const response = await submit(server, org.key, manifestOf(3));
    expect(response.status).toBe(201);
    expect(microsOf(response.body.cost.reserved)).toBe(required);
    expect(response.body.pricing_estimate.max).toBe(response.body.cost.reserved);
    expect(await balanceMicros(server, org.orgId)).toBe(0);
    await expectLedgerMatchesBalance(server, org.orgId);
  });

  it('does not use up the Idempotency-Key: the same request succeeds once credits are added', async () => {
    const org = await registerOrg(server);
    const refused = await submit(server, org.key, manifestOf(2), 'retry-after-402-01');
    expect(refused.status).toBe(402);
    await grantMicros(server, org.orgId, 1_000_000);
    const accepted = await submit(server, org.key, manifestOf(2), 'retry-after-402-01');
    expect(accepted.status).toBe(201);
    expect(accepted.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('concurrent submits whose total exceeds the balance', () => {
  const ATTEMPTS = 12;
  const AFFORDABLE = 5;
  const manifest = manifestOf(8);
  let org: Registered;
  let maxMicros: number;
  let granted: number;
  let responses: ApiResponse<BatchBody>[];

  beforeAll(async () => {
    org = await registerOrg(server);
    maxMicros = await maxOf(org, manifest);
    // Enough for AFFORDABLE batches and almost one more: the next one is refused by one micro-dollar.
    granted = AFFORDABLE * maxMicros + maxMicros - 1;
    await grantMicros(server, org.orgId, granted);
    responses = await Promise.all(Array.from({ length: ATTEMPTS }, () => submit(server, org.key, manifest)));
  });

  it('accept exactly as many as the balance covers; the rest get 402 insufficient_credits', () => {
    expect(responses.filter((response) => response.status === 201)).toHaveLength(AFFORDABLE);
    const refused = responses.filter((response) => response.status !== 201);
    expect(refused).toHaveLength(ATTEMPTS - AFFORDABLE);
    for (const response of refused) {
      expect(response.status).toBe(402);
      expect(errorCode(response)).toBe('insufficient_credits');
    }
  });

  it('reserve the maximum once per accepted batch and never take the balance below zero', async () => {
    const reservations = (await ledgerRows(server, org.orgId)).filter((row) => row.entry_type === 'reservation');
    expect(reservations.map((row) => Number(row.amount_micros))).toEqual(Array.from({ length: AFFORDABLE }, () => -maxMicros));
    expect((await storedRows(server, org.orgId)).batches).toBe(AFFORDABLE);
    await expectLedgerMatchesBalance(server, org.orgId);
  });

  it('once finished, charge only the succeeded items plus the fee, and the ledger still sums to the balance', async () => {
    const accepted = responses.filter((response) => response.status === 201).map((response) => response.body.id);
    let charged = 0;
    let failedItems = 0;
    for (const batchId of accepted) {
      const batch = await waitForStatus(server, org.key, batchId, TERMINAL_STATUSES);
      const rows = await allResults(server, org.key, batchId);
      expect(rows).toHaveLength(manifest.items.length);
      const succeeded = rows.filter((row) => row.status === 'succeeded');
      const failed = rows.filter((row) => row.status !== 'succeeded');
      failedItems += failed.length;
      for (const row of failed) expect(row.cost).toBeNull();
      const providerCost = succeeded.reduce((sum, row) => sum + microsOf(row.cost ?? ''), 0);
      expect(microsOf(batch.cost.charged)).toBe(providerCost + platformFee(providerCost, server.server.ctx.catalog.platform_fee_bps));
      expect(batch.cost.reserved).toBe('0.00');
      charged += microsOf(batch.cost.charged);
    }
    // The sandbox's draws are deterministic: this manifest has items that fail for good.
    expect(failedItems).toBeGreaterThan(0);
    expect(await balanceMicros(server, org.orgId)).toBe(granted - charged);
    await expectLedgerMatchesBalance(server, org.orgId);
  });

  it("the account's balance shows the same amount as the ledger", async () => {
    const account = await server.request<{ credit_balance: { amount: string } }>('GET', '/v1/auth/account', { key: org.key });
    expect(microsOf(account.body.credit_balance.amount)).toBe(await balanceMicros(server, org.orgId));
  });
});
