/**
 * A batch's life (DESIGN §5 Statuses, Money): cancelled mid-run, expired past its SLA deadline,
 * retried through transient failures, failed for good; results readable while it runs. Whatever
 * the end, unfinished and failed items cost nothing and the reservation is released.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformFee } from '../../src/domain/pricing.ts';
import { expireOverdueBatches } from '../../src/worker/expire-batches.ts';
import { manifestOf } from '../helpers/batches.ts';
import { allResults, firstPartialPage, submit, TERMINAL_STATUSES, waitForStatus, type BatchBody, type ResultRow } from '../helpers/batch-requests.ts';
import { balanceMicros, expectLedgerMatchesBalance, grantMicros, ledgerRows, microsOf } from '../helpers/money.ts';
import { errorCode, registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';

const START_BALANCE = 10_000_000;

async function fundedOrg(server: TestServer): Promise<Registered> {
  const org = await registerOrg(server);
  await grantMicros(server, org.orgId, START_BALANCE);
  return org;
}

async function readBatch(server: TestServer, key: string, batchId: string): Promise<BatchBody> {
  return (await server.request<BatchBody>('GET', `/v1/batches/${batchId}`, { key })).body;
}

/** The money of a batch that ended with nothing succeeded: one reservation, released in full, nothing charged. */
async function expectNothingCharged(server: TestServer, org: Registered, batch: BatchBody): Promise<void> {
  expect(batch.cost).toEqual({ currency: 'usd', reserved: '0.00', charged: '0.00' });
  expect(await balanceMicros(server, org.orgId)).toBe(START_BALANCE);
  // The manual clock may give every row the same time, so rows are compared by type, not order.
  const rows = await ledgerRows(server, org.orgId);
  expect(rows.map((row) => row.entry_type).sort()).toEqual(['grant', 'release', 'reservation']);
  const amountOf = (type: string) => Number(rows.find((row) => row.entry_type === type)?.amount_micros);
  expect(amountOf('release')).toBe(-amountOf('reservation'));
  expect(amountOf('release')).toBeGreaterThan(0);
  await expectLedgerMatchesBalance(server, org.orgId);
}

describe('a batch whose provider job would take two days', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The sandbox's batch jobs finish 48 h after submission by the manual clock, which these tests
    // move at most 24 h: batches sit in processing until cancelled or expired.
    server = await startTestServer({ sandboxBatchSeconds: 172_800 });
  });
  afterAll(async () => server?.stop());

  it('cancelled mid-run: 200 with status cancelled, every item cancelled, nothing charged, the reservation released', async () => {
    const org = await fundedOrg(server);
    const submitted = await submit(server, org.key, manifestOf(6));
    expect(submitted.status).toBe(201);
    await waitForStatus(server, org.key, submitted.body.id, ['processing']);

    const cancelled = await server.request<BatchBody>('POST', `/v1/batches/${submitted.body.id}/cancel`, { key: org.key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.counts).toEqual({ queued: 0, dispatched: 0, succeeded: 0, failed: 0, cancelled: 6, expired: 0 });
    expect(cancelled.body.finished_at).not.toBeNull();

    const rows = await allResults(server, org.key, submitted.body.id);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.status).toBe('cancelled');
      expect(row.cost).toBeNull();
      expect(row.error?.code).toBe('cancelled');
    }
    await expectNothingCharged(server, org, cancelled.body);
  });

  it('cancelled again: 409 batch_finished, and the money does not move', async () => {
    const org = await fundedOrg(server);
    const submitted = await submit(server, org.key, manifestOf(2));
    await waitForStatus(server, org.key, submitted.body.id, ['processing']);
    expect((await server.request('POST', `/v1/batches/${submitted.body.id}/cancel`, { key: org.key })).status).toBe(200);

    const again = await server.request('POST', `/v1/batches/${submitted.body.id}/cancel`, { key: org.key });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('batch_finished');
    await expectNothingCharged(server, org, await readBatch(server, org.key, submitted.body.id));
  });

  it('cancelled right after submit, before any work: every item cancelled, nothing charged', async () => {
    const org = await fundedOrg(server);
    const submitted = await submit(server, org.key, manifestOf(3));
    const cancelled = await server.request<BatchBody>('POST', `/v1/batches/${submitted.body.id}/cancel`, { key: org.key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.counts.cancelled).toBe(3);
    await expectNothingCharged(server, org, cancelled.body);
  });

  it('cancelled ten times at once: one 200, nine 409 batch_finished, the reservation released once', async () => {
    const org = await fundedOrg(server);
    const submitted = await submit(server, org.key, manifestOf(3));
    await waitForStatus(server, org.key, submitted.body.id, ['processing']);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => server.request<BatchBody>('POST', `/v1/batches/${submitted.body.id}/cancel`, { key: org.key })),
    );
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 200)) {
      expect(response.status).toBe(409);
      expect(errorCode(response)).toBe('batch_finished');
    }
    await expectNothingCharged(server, org, await readBatch(server, org.key, submitted.body.id));
  });

  // Moves this server's clock by a day: keep it last.
  it('past its SLA deadline: expired, every item expired, nothing charged, then 409 batch_finished on cancel', async () => {
    const org = await fundedOrg(server);
    const submitted = await submit(server, org.key, manifestOf(4));
    await waitForStatus(server, org.key, submitted.body.id, ['processing']);
    expect(await expireOverdueBatches(server.server.ctx)).not.toContain(submitted.body.id);

    server.clock.set(new Date(new Date(submitted.body.sla_deadline).getTime() + 1000));
    await expireOverdueBatches(server.server.ctx);

    const expired = await readBatch(server, org.key, submitted.body.id);
    expect(expired.status).toBe('expired');
    expect(expired.counts).toEqual({ queued: 0, dispatched: 0, succeeded: 0, failed: 0, cancelled: 0, expired: 4 });
    for (const row of await allResults(server, org.key, submitted.body.id)) {
      expect(row.status).toBe('expired');
      expect(row.cost).toBeNull();
      expect(row.error?.code).toBe('expired');
    }
    await expectNothingCharged(server, org, expired);

    const cancel = await server.request('POST', `/v1/batches/${submitted.body.id}/cancel`, { key: org.key });
    expect(cancel.status).toBe(409);
    expect(errorCode(cancel)).toBe('batch_finished');
  });
});

/** Every attempt is in the receipt, numbered; all but the last failed retryably; an item fails only after three. */
function expectReceiptsShowAttempts(rows: ResultRow[]): void {
  for (const row of rows) {
    const attempts = row.route_receipt.attempts;
    expect(attempts.map((attempt) => attempt.attempt)).toEqual(attempts.map((_, i) => i + 1));
    for (const attempt of attempts.slice(0, -1)) {
      expect(attempt.status).toBe('failed');
      expect(attempt.error?.retryable).toBe(true);
      expect(['rate_limited', 'server_error']).toContain(attempt.error?.code);
    }
    if (row.status === 'succeeded') expect(attempts.at(-1)?.status).toBe('succeeded');
    else expect(attempts).toHaveLength(3);
  }
  // The sandbox's draws are deterministic: some items of these manifests needed a second attempt.
  expect(rows.some((row) => row.status === 'succeeded' && row.route_receipt.attempts.length > 1)).toBe(true);
}

describe('transient failures', () => {
  let server: TestServer;
  let org: Registered;
  let onSyncLanes: BatchBody;
  let onBatchLanes: BatchBody;
  beforeAll(async () => {
    server = await startTestServer({ sandboxTransientFailureRate: 0.3 });
    org = await fundedOrg(server);
    // Submitted here so their retries run while the first test watches another batch.
    // zero_retention routes to the sandbox's sync lanes; standard to its batch lanes.
    onSyncLanes = (await submit(server, org.key, manifestOf(30, { privacy_tier: 'zero_retention' }))).body;
    onBatchLanes = (await submit(server, org.key, manifestOf(30))).body;
  });
  afterAll(async () => server?.stop());

  it('leave earlier results readable while the retries wait: a partial page before the batch ends', async () => {
    const submitted = await submit(server, org.key, manifestOf(200, { privacy_tier: 'zero_retention' }));
    const partial = await firstPartialPage(server, org.key, submitted.body.id, 200);
    expect(partial).not.toBeNull();
    expect(TERMINAL_STATUSES).not.toContain(partial?.batch_status);
    await waitForStatus(server, org.key, submitted.body.id, TERMINAL_STATUSES);
    expect(await allResults(server, org.key, submitted.body.id)).toHaveLength(200);
  });

  it('are retried on sync lanes: the batch completes and route receipts show every attempt', async () => {
    const done = await waitForStatus(server, org.key, onSyncLanes.id, TERMINAL_STATUSES);
    expect(done.status).toBe('completed');
    expect(done.counts.succeeded + done.counts.failed).toBe(30);
    const rows = await allResults(server, org.key, onSyncLanes.id);
    expect(rows).toHaveLength(30);
    expectReceiptsShowAttempts(rows);
  });

  it('are retried on batch lanes in a new provider job: the batch completes and receipts show every attempt', async () => {
    const done = await waitForStatus(server, org.key, onBatchLanes.id, TERMINAL_STATUSES);
    expect(done.status).toBe('completed');
    expect(done.counts.succeeded + done.counts.failed).toBe(30);
    const rows = await allResults(server, org.key, onBatchLanes.id);
    expect(rows).toHaveLength(30);
    expectReceiptsShowAttempts(rows);
  });

  it('that failed cost nothing: the charge is the succeeded items plus the fee, and the ledger sums to the balance', async () => {
    let charged = 0;
    for (const batchId of [onSyncLanes.id, onBatchLanes.id]) {
      const done = await waitForStatus(server, org.key, batchId, TERMINAL_STATUSES);
      const rows = await allResults(server, org.key, batchId);
      const providerCost = rows.filter((row) => row.status === 'succeeded').reduce((sum, row) => sum + microsOf(row.cost ?? ''), 0);
      expect(microsOf(done.cost.charged)).toBe(providerCost + platformFee(providerCost, server.server.ctx.catalog.platform_fee_bps));
      charged += microsOf(done.cost.charged);
    }
    expect(charged).toBeGreaterThan(0);
    await expectLedgerMatchesBalance(server, org.orgId);
  });
});

describe('permanent failures', () => {
  let server: TestServer;
  let org: Registered;
  let submitted: BatchBody;
  beforeAll(async () => {
    server = await startTestServer({ sandboxPermanentFailureRate: 1 });
    org = await fundedOrg(server);
    submitted = (await submit(server, org.key, manifestOf(5))).body;
  });
  afterAll(async () => server?.stop());

  it('fail the batch: every item failed with an error code, nothing charged, the reservation released', async () => {
    const done = await waitForStatus(server, org.key, submitted.id, TERMINAL_STATUSES);
    expect(done.status).toBe('failed');
    expect(done.counts).toEqual({ queued: 0, dispatched: 0, succeeded: 0, failed: 5, cancelled: 0, expired: 0 });
    for (const row of await allResults(server, org.key, submitted.id)) {
      expect(row.status).toBe('failed');
      expect(row.cost).toBeNull();
      expect(row.output).toBeNull();
      expect(row.error).toMatchObject({ code: 'invalid_request', retryable: false });
      expect(row.route_receipt.attempts).toHaveLength(1);
    }
    await expectNothingCharged(server, org, done);
  });

  it('leave a batch that cannot be cancelled any more: 409 batch_finished', async () => {
    await waitForStatus(server, org.key, submitted.id, TERMINAL_STATUSES);
    const response = await server.request('POST', `/v1/batches/${submitted.id}/cancel`, { key: org.key });
    expect(response.status).toBe(409);
    expect(errorCode(response)).toBe('batch_finished');
    expect((await readBatch(server, org.key, submitted.id)).status).toBe('failed');
  });
});
