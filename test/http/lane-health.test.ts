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
