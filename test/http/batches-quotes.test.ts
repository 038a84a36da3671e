/**
 * Quotes (DESIGN §5): every enabled lane appears with a receipt (selected, or why not: privacy,
 * region, SLA…), savings against the sync list-price baseline, a `qlock_` id that a submit of the
 * same manifest may name within ten minutes. Quoting costs nothing and reserves nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../helpers/batches.ts';
import { platformFee } from '../../src/domain/pricing.ts';
import { allResults, quote, submit, TERMINAL_STATUSES, waitForStatus, type QuoteBody, type QuoteLane } from '../helpers/batch-requests.ts';
import { microsOf, storedRows } from '../helpers/money.ts';
import { errorCode, registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';

const REJECTION_REASONS = ['model_not_acceptable', 'privacy', 'region', 'sla', 'capacity', 'price', 'speed'];

let server: TestServer;
let org: Registered;
beforeAll(async () => {
  server = await startTestServer({ starterCreditsMicros: 10_000_000 });
  org = await registerOrg(server);
});
afterAll(async () => server?.stop());

function enabledLanes() {
  return server.server.ctx.lanes;
}

function lane(body: QuoteBody, laneId: string): QuoteLane {
  const found = body.quote_lanes.find((receipt) => receipt.lane_id === laneId);
  if (!found) throw new Error(`no receipt for ${laneId} in ${JSON.stringify(body.quote_lanes)}`);
  return found;
}

describe('lane receipts', () => {
  it('list every enabled lane exactly once, each selected or with a reason and a message', async () => {
    const body = await quote(server, org.key, manifestOf(2));
    expect(body.quote_lanes.map((receipt) => receipt.lane_id).sort()).toEqual(enabledLanes().map((enabled) => enabled.id).sort());
    for (const receipt of body.quote_lanes) {
      if (receipt.selected) {
        expect(receipt.rejection).toBeNull();
        expect(receipt.items).toBeGreaterThan(0);
      } else {
        expect(REJECTION_REASONS).toContain(receipt.rejection?.reason);
        expect(receipt.rejection?.message).toEqual(expect.any(String));
        expect(receipt.items).toBe(0);
      }
    }
    expect(body.quote_lanes.filter((receipt) => receipt.selected).reduce((sum, receipt) => sum + receipt.items, 0)).toBe(2);
  });

  it('zero_retention rejects the sandbox batch lanes for privacy and selects a zero-retention lane', async () => {
    const body = await quote(server, org.key, manifestOf(2, { privacy_tier: 'zero_retention' }));
    const zeroRetention = new Set(enabledLanes().filter((enabled) => enabled.zero_data_retention).map((enabled) => enabled.id));
    expect(lane(body, 'sandbox-batch-us').rejection?.reason).toBe('privacy');
    expect(lane(body, 'sandbox-batch-eu').rejection?.reason).toBe('privacy');
    const selected = body.quote_lanes.filter((receipt) => receipt.selected);
    expect(selected.length).toBeGreaterThan(0);
    for (const receipt of selected) expect(zeroRetention.has(receipt.lane_id)).toBe(true);
  });

  it('allowed_regions ["apac"] leaves only apac lanes; every other lane is rejected for region', async () => {
    const body = await quote(server, org.key, manifestOf(2, { allowed_regions: ['apac'] }));
    for (const receipt of body.quote_lanes) {
      if (receipt.region === 'apac') expect(receipt.rejection?.reason ?? 'selected').not.toBe('region');
      else {
        expect(receipt.selected).toBe(false);
        expect(receipt.rejection?.reason).toBe('region');
      }
    }
    expect(body.quote_lanes.filter((receipt) => receipt.selected).map((receipt) => receipt.lane_id)).toEqual(['sandbox-sync-apac']);
  });

  it('priority in sla_aware mode rejects the batch lanes, whose 1 h turnaround leaves no margin, for sla', async () => {
    const body = await quote(server, org.key, manifestOf(2, { sla_tier: 'priority', routing_mode: 'sla_aware' }));
    for (const receipt of body.quote_lanes.filter((r) => r.mode === 'batch')) {
      expect(receipt.expected_turnaround_seconds).toBeGreaterThan(1800);
      expect(receipt.rejection?.reason).toBe('sla');
    }
    for (const receipt of body.quote_lanes.filter((r) => r.selected)) expect(receipt.mode).toBe('sync');
  });

  it('priority in cheapest mode keeps a batch lane whose turnaround is exactly the 1 h window', async () => {
    const body = await quote(server, org.key, manifestOf(2, { sla_tier: 'priority', routing_mode: 'cheapest' }));
    const selected = body.quote_lanes.filter((receipt) => receipt.selected);
    expect(selected.map((receipt) => receipt.mode)).toEqual(['batch']);
    expect(selected[0]?.expected_turnaround_seconds).toBeLessThanOrEqual(3600);
  });
});

describe('prices', () => {
  it('a quote on batch lanes saves against the baseline of sync list prices', async () => {
    const body = await quote(server, org.key, manifestOf(5));
    expect(body.quote_lanes.filter((receipt) => receipt.selected).every((receipt) => receipt.mode === 'batch')).toBe(true);
    expect(microsOf(body.savings.amount)).toBeGreaterThan(0);
    expect(body.savings.percent).toBeGreaterThan(0);
    expect(microsOf(body.baseline.total) - microsOf(body.pricing_estimate.total)).toBe(microsOf(body.savings.amount));
    expect(microsOf(body.pricing_estimate.max)).toBeGreaterThanOrEqual(microsOf(body.pricing_estimate.total));
  });

  it('quoting costs nothing and reserves nothing: no batch, no ledger row, the same balance', async () => {
    const before = await storedRows(server, org.orgId);
    await quote(server, org.key, manifestOf(20));
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it("counts an item's instructions: the reserved maximum covers what the item really costs", async () => {
    const manifest = manifestOf(1);
    const body = { ...manifest, items: [{ ...manifest.items[0], input: { input: 'Summarise the text in the instructions.', instructions: 'word '.repeat(20_000) } }] };
    const locked = await quote(server, org.key, body);
    const submitted = await submit(server, org.key, { ...body, quote_id: locked.quote_id });
    expect(submitted.status).toBe(201);
    const done = await waitForStatus(server, org.key, submitted.body.id, TERMINAL_STATUSES);
    const [row] = await allResults(server, org.key, submitted.body.id);
    expect(row?.usage?.input_tokens).toBeGreaterThan(20_000);
    const providerCost = microsOf(row?.cost ?? '');
    expect(providerCost).toBeLessThanOrEqual(microsOf(locked.pricing_estimate.max));
    // Charged the actual cost plus the fee: not cut down to a maximum that missed part of the input.
    expect(microsOf(done.cost.charged)).toBe(providerCost + platformFee(providerCost, server.server.ctx.catalog.platform_fee_bps));
  });

  it('POST /v1/quotes/model answers the same as POST /v1/batches/quote', async () => {
    const manifest = manifestOf(3, { privacy_tier: 'zero_retention' });
    const canonical = await quote(server, org.key, manifest);
    const alias = await server.request<QuoteBody>('POST', '/v1/quotes/model', { key: org.key, body: manifest });
    expect(alias.status).toBe(200);
    expect(alias.body.quote_id).toMatch(/^qlock_/);
    expect(alias.body.quote_id).not.toBe(canonical.quote_id);
    const { quote_id: _a, ...aliasRest } = alias.body;
    const { quote_id: _b, ...canonicalRest } = canonical;
    expect(aliasRest).toEqual(canonicalRest);
  });

  it('the alias rejects an invalid manifest the same way: 400 invalid_request', async () => {
    const response = await server.request('POST', '/v1/quotes/model', { key: org.key, body: { items: [] } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
  });
});

describe('submitting with a quote_id', () => {
  it('a fresh quote of the same manifest is accepted and the batch keeps its id and estimate', async () => {
    const manifest = manifestOf(4);
    const locked = await quote(server, org.key, manifest);
    const response = await submit(server, org.key, { ...manifest, quote_id: locked.quote_id });
    expect(response.status).toBe(201);
    expect(response.body.quote_id).toBe(locked.quote_id);
    expect(response.body.pricing_estimate).toEqual(locked.pricing_estimate);
  });

  it('a quote of another manifest gets 422 quote_mismatch and stores nothing', async () => {
    const locked = await quote(server, org.key, manifestOf(4));
    const before = await storedRows(server, org.orgId);
    const response = await submit(server, org.key, { ...manifestOf(5), quote_id: locked.quote_id });
    expect(response.status).toBe(422);
    expect(errorCode(response)).toBe('quote_mismatch');
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it('a quote of the same items under another SLA tier gets 422 quote_mismatch', async () => {
    const locked = await quote(server, org.key, manifestOf(2));
    const response = await submit(server, org.key, { ...manifestOf(2, { sla_tier: 'flex' }), quote_id: locked.quote_id });
    expect(response.status).toBe(422);
    expect(errorCode(response)).toBe('quote_mismatch');
  });

  it('an unknown quote id gets 404 quote_not_found and stores nothing', async () => {
    const before = await storedRows(server, org.orgId);
    const response = await submit(server, org.key, { ...manifestOf(2), quote_id: 'qlock_doesnotexist0000000000' });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('quote_not_found');
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it("another org's quote gets 404 quote_not_found", async () => {
    const other = await registerOrg(server);
    const theirs = await quote(server, other.key, manifestOf(2));
    const response = await submit(server, org.key, { ...manifestOf(2), quote_id: theirs.quote_id });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('quote_not_found');
  });

  // This test and the next move this server's clock by ten minutes each.
  it('a quote older than ten minutes gets 422 quote_expired and stores nothing', async () => {
    const manifest = manifestOf(2);
    const locked = await quote(server, org.key, manifest);
    expect(new Date(locked.expires_at).getTime() - server.clock.now().getTime()).toBe(10 * 60 * 1000);
    server.clock.advance(10 * 60 * 1000 + 1000);
    const before = await storedRows(server, org.orgId);
    const response = await submit(server, org.key, { ...manifest, quote_id: locked.quote_id });
    expect(response.status).toBe(422);
    expect(errorCode(response)).toBe('quote_expired');
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it('a replay of a submit whose quote has since expired still returns its batch', async () => {
    const manifest = manifestOf(1);
    const locked = await quote(server, org.key, manifest);
    const first = await submit(server, org.key, { ...manifest, quote_id: locked.quote_id }, 'replay-after-quote-expiry');
    expect(first.status).toBe(201);
    server.clock.advance(10 * 60 * 1000 + 1000);
    const again = await submit(server, org.key, { ...manifest, quote_id: locked.quote_id }, 'replay-after-quote-expiry');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });
});
