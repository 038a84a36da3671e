/**
 * Lane health through the API: every finished work unit is an observation of its lane; a lane on
 * which most items fail is rejected with `health` in quotes and gets no new items.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForBatch } from '../helpers/batches.ts';
import type { QuoteBody } from '../helpers/batch-requests.ts';
import { registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  // Every sandbox request fails for good: the lane that runs them is failing.
  server = await startTestServer({ starterCreditsMicros: 10_000_000, sandboxPermanentFailureRate: 1 });
});
afterAll(async () => server?.stop());

const manifest = (id: string) => ({ routing_mode: 'cheapest', items: [{ customer_item_id: id, operation: 'responses', model: 'gpt-5.4-mini', input: { input: 'Hello' } }] });

describe('lane health', () => {
  it('rejects a lane on which most items failed over its last jobs, and routes to the next one', async () => {
    const org = await registerOrg(server);
    const first = await server.request<QuoteBody>('POST', '/v1/batches/quote', { key: org.key, body: manifest('q0') });
    expect(first.body.quote_lanes.find((lane) => lane.selected)?.lane_id).toBe('sandbox-batch-eu');

    for (let i = 1; i <= 3; i++) {
      const submitted = await server.request('POST', '/v1/batches', { key: org.key, body: manifest(`item-${i}`), headers: { 'idempotency-key': `health-batch-000${i}` } });
      const done = await waitForBatch(server, org.key, String(submitted.body['id']));
      expect(done['counts']).toMatchObject({ failed: 1 });
    }
    // Figures are read again at most every 30 seconds.
    server.clock.advance(31_000);
    const quote = await server.request<QuoteBody>('POST', '/v1/batches/quote', { key: org.key, body: manifest('q1') });
    expect(quote.status).toBe(200);
    const failing = quote.body.quote_lanes.find((lane) => lane.lane_id === 'sandbox-batch-eu');
    expect(failing).toMatchObject({ selected: false, rejection: { reason: 'health', message: 'failing: only 0% of its items succeeded over its last 3 jobs' } });
    expect(quote.body.quote_lanes.find((lane) => lane.selected)?.lane_id).toBe('sandbox-batch-us');
  });
});

describe('retries on a failing lane', () => {
  let flaky: TestServer;
  beforeAll(async () => {
    // Every sandbox request fails, retryably: items go round their three attempts.
    flaky = await startTestServer({ starterCreditsMicros: 10_000_000, sandboxTransientFailureRate: 1 });
  });
  afterAll(async () => flaky?.stop());

  it('go to another lane once theirs is failing, with the move on the route receipt', async () => {
    const org = await registerOrg(flaky);
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const submitted = await flaky.request('POST', '/v1/batches', { key: org.key, body: manifest(`retry-${i}`), headers: { 'idempotency-key': `failing-lane-000${i}` } });
      ids.push(String(submitted.body['id']));
    }
    // The first attempts fail on sandbox-batch-eu: three jobs, none succeeded, and the lane is failing.
    for (let i = 0; i < 300; i++) {
      const observed = await flaky.server.ctx.db.selectFrom('lane_observations').select('work_unit_id').where('lane_id', '=', 'sandbox-batch-eu').execute();
      if (observed.length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    flaky.clock.advance(31_000);
    for (const id of ids) {
      const done = await waitForBatch(flaky, org.key, id);
      expect(done['status']).toBe('failed');
    }
    const rows = await flaky.server.ctx.db.selectFrom('batch_items').select(['route_receipt']).where('batch_id', 'in', ids).execute();
    for (const { route_receipt: receipt } of rows) {
      const { attempts, reason } = receipt as { attempts: { lane_id: string }[]; reason: string };
      expect(attempts[0]?.lane_id).toBe('sandbox-batch-eu');
      expect(attempts[1]?.lane_id).not.toBe('sandbox-batch-eu');
      expect(reason).toMatch(/^moved off sandbox-batch-/);
    }
  }, 90_000);
});
