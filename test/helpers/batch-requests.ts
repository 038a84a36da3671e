/**
 * Requests batch tests make again and again: submit, quote, wait for a status, read every result.
 * Body shapes are type aliases, not interfaces, so responses typed with them still fit `errorCode`.
 */
import { randomUUID } from 'node:crypto';
import type { ApiResponse, TestServer } from './server.ts';

export type PricingEstimate = {
  currency: 'usd';
  provider_subtotal: string;
  platform_fee: string;
  total: string;
  max: string;
};

export type BatchBody = {
  id: string;
  status: string;
  quote_id: string | null;
  item_count: number;
  sla_deadline: string;
  counts: Record<'queued' | 'dispatched' | 'succeeded' | 'failed' | 'cancelled' | 'expired', number>;
  pricing_estimate: PricingEstimate;
  cost: { currency: 'usd'; reserved: string; charged: string };
  created_at: string;
  finished_at: string | null;
};

export type QuoteLane = {
  lane_id: string;
  mode: 'batch' | 'sync';
  region: string;
  selected: boolean;
  items: number;
  expected_turnaround_seconds: number;
  rejection: { reason: string; message: string } | null;
};

export type QuoteBody = {
  quote_id: string;
  expires_at: string;
  item_count: number;
  pricing_estimate: PricingEstimate;
  baseline: { total: string };
  savings: { amount: string; percent: number };
  quote_lanes: QuoteLane[];
};

export type RouteAttempt = {
  attempt: number;
  lane_id: string;
  status: 'succeeded' | 'failed';
  error?: { code: string; retryable: boolean };
};

export type ResultRow = {
  customer_item_id: string;
  status: string;
  model: string;
  provider: string;
  lane: string;
  output: unknown;
  usage: { input_tokens: number; output_tokens: number } | null;
  cost: string | null;
  error: { code: string; message: string; retryable: boolean } | null;
  route_receipt: { selected: { lane_id: string }; attempts: RouteAttempt[] };
};

export type ResultsPage = {
  batch_id: string;
  batch_status: string;
  data: ResultRow[];
  has_more: boolean;
  next_cursor: string | null;
};

export type ErrorDetail = {
  path: string;
  message: string;
};

export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled', 'expired'];

/** A new Idempotency-Key, unique per call. */
export function freshIdempotencyKey(): string {
  return `test-${randomUUID()}`;
}

/** POST /v1/batches with an Idempotency-Key (a fresh one unless given). */
export function submit(server: TestServer, key: string, body: unknown, idempotencyKey: string = freshIdempotencyKey()): Promise<ApiResponse<BatchBody>> {
  return server.request<BatchBody>('POST', '/v1/batches', { key, body, headers: { 'idempotency-key': idempotencyKey } });
}

/** POST /v1/batches/quote, expecting 200. */
export async function quote(server: TestServer, key: string, body: unknown): Promise<QuoteBody> {
  const response = await server.request<QuoteBody>('POST', '/v1/batches/quote', { key, body });
  if (response.status !== 200) throw new Error(`quote answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Polls a batch until its status is one of `statuses`, and returns it. */
export async function waitForStatus(server: TestServer, key: string, batchId: string, statuses: readonly string[], timeoutMs = 45_000): Promise<BatchBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await server.request<BatchBody>('GET', `/v1/batches/${batchId}`, { key });
    if (statuses.includes(response.body.status)) return response.body;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${response.body.status}, not ${statuses.join(' or ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every result row of a batch, following cursors a page of `limit` at a time. */
export async function allResults(server: TestServer, key: string, batchId: string, limit = 1000): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query: string = cursor === null ? `limit=${limit}` : `limit=${limit}&cursor=${cursor}`;
    const page: ApiResponse<ResultsPage> = await server.request<ResultsPage>('GET', `/v1/batches/${batchId}/results?${query}`, { key });
    if (page.status !== 200) throw new Error(`results answered ${page.status}: ${JSON.stringify(page.body)}`);
    rows.push(...page.body.data);
    if (!page.body.has_more) return rows;
    cursor = page.body.next_cursor;
  }
}

/** The `details` of an error body. */
export function detailsOf(response: ApiResponse<unknown>): ErrorDetail[] {
  return (response.body as { error?: { details?: ErrorDetail[] } }).error?.details ?? [];
}

/** The distinct detail paths of an error body, sorted. */
export function detailPaths(response: ApiResponse<unknown>): string[] {
  return [...new Set(detailsOf(response).map((detail) => detail.path))].sort();
}

/**
 * Reads results until the batch ends; returns the first page showing some but not all items while
 * the batch was still open (the page reads the batch before its rows), or null if none did.
 */
export async function firstPartialPage(server: TestServer, key: string, batchId: string, itemCount: number): Promise<ResultsPage | null> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const page = (await server.request<ResultsPage>('GET', `/v1/batches/${batchId}/results?limit=1000`, { key })).body;
    if (TERMINAL_STATUSES.includes(page.batch_status)) return null;
    if (page.data.length > 0 && page.data.length < itemCount) return page;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return null;
}
