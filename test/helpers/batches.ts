/** Helpers for batch tests: manifests of any size, and waiting for a batch to finish. */
import type { TestServer } from './server.ts';

const TERMINAL = ['completed', 'failed', 'cancelled', 'expired'];

/** Polls a batch until it has finished (or the time runs out) and returns it. */
export async function waitForBatch(server: TestServer, key: string, batchId: string, timeoutMs = 45_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await server.request('GET', `/v1/batches/${batchId}`, { key });
    if (TERMINAL.includes(String(response.body['status']))) return response.body;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${String(response.body['status'])}: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A manifest of `count` responses items for gpt-5.4-mini. */
export function manifestOf(count: number, overrides: Record<string, unknown> = {}) {
  return {
    sla_tier: 'standard',
    routing_mode: 'cheapest',
    items: Array.from({ length: count }, (_, i) => ({
      customer_item_id: `item-${i}`,
      operation: 'responses',
      model: 'gpt-5.4-mini',
      input: { input: `Say hello to number ${i}.` },
    })),
    ...overrides,
  };
}
