/** The seed's API quickstart (seed 002), as written: quote, submit with an Idempotency-Key, poll, results. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';
import { waitForBatch } from '../helpers/batches.ts';

const MANIFEST = {
  sla_tier: 'standard',
  routing_mode: 'sla_aware',
  privacy_tier: 'standard',
  allowed_regions: ['global'],
  items: [
    {
      customer_item_id: 'support_rollup_001',
      operation: 'responses',
      model: 'gpt-5.4-mini',
      model_options: ['gpt-5.4-mini', 'gpt-5.4'],
      input: { input: [{ role: 'user', content: "Summarize yesterday's support queue into five bullets." }] },
    },
  ],
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ starterCreditsMicros: 10_000_000 });
});
afterAll(async () => server?.stop());

describe('the seed quickstart', () => {
  it('quotes, submits, completes and returns results, charging the actual cost', async () => {
    const org = await registerOrg(server);
    const account = await server.request('GET', '/v1/auth/account', { key: org.key });
    expect(account.body['credit_balance']).toEqual({ currency: 'usd', amount: '10.00' });

    const quote = await server.request<Record<string, unknown> & { quote_lanes: { lane_id: string; selected: boolean; rejection: unknown }[] }>(
      'POST',
      '/v1/batches/quote',
      { key: org.key, body: MANIFEST },
    );
    expect(quote.status).toBe(200);
    expect(quote.body['quote_id']).toMatch(/^qlock_/);
    expect(quote.body['item_count']).toBe(1);
    expect(quote.body['pricing_estimate']).toMatchObject({ currency: 'usd' });
    const selected = quote.body.quote_lanes.filter((lane) => lane.selected).map((lane) => lane.lane_id);
    // The two sandbox batch lanes cost the same and are as fast: the tie goes to the first by id.
    expect(selected).toEqual(['sandbox-batch-eu']);
    for (const lane of quote.body.quote_lanes.filter((l) => !l.selected)) expect(lane.rejection).toMatchObject({ reason: expect.any(String) });

    const submitted = await server.request('POST', '/v1/batches', { key: org.key, body: MANIFEST, headers: { 'idempotency-key': 'quickstart-batch-001' } });
    expect(submitted.status).toBe(201);
    const batchId = String(submitted.body['id']);
    expect(batchId).toMatch(/^bat_/);
    // Submit routes the items and cuts them into work units in its own transaction.
    expect(submitted.body['status']).toBe('dispatched');

    const done = await waitForBatch(server, org.key, batchId);
    expect(done['status']).toBe('completed');
    expect(done['counts']).toMatchObject({ succeeded: 1, failed: 0 });

    const results = await server.request<{ data: Record<string, unknown>[]; has_more: boolean }>('GET', `/v1/batches/${batchId}/results`, { key: org.key });
    expect(results.status).toBe(200);
    expect(results.body.has_more).toBe(false);
    expect(results.body.data).toHaveLength(1);
    const row = results.body.data[0];
    expect(row).toMatchObject({ customer_item_id: 'support_rollup_001', status: 'succeeded', model: 'gpt-5.4-mini', provider: 'sandbox', lane: 'sandbox-batch-eu', error: null });
    expect(String((row?.['output'] as { text: string }).text)).toContain('[sandbox gpt-5.4-mini]');
    expect(row?.['usage']).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });

    const billed = await server.request<{ billing_receipt: Record<string, unknown>; cost: { charged: string } }>('GET', `/v1/batches/${batchId}?include_billing_receipt=true`, { key: org.key });
    expect(billed.body.billing_receipt).toMatchObject({ final: true, lanes_used: [expect.objectContaining({ lane_id: 'sandbox-batch-eu', items_succeeded: 1 })] });
    const after = await server.request<{ credit_balance: { amount: string } }>('GET', '/v1/auth/account', { key: org.key });
    const charged = Math.round(Number(billed.body.cost.charged) * 1e6);
    expect(charged).toBeGreaterThan(0);
    expect(Math.round(Number(after.body.credit_balance.amount) * 1e6)).toBe(10_000_000 - charged);
  });
});
