/**
 * Billing and activity as the dashboard reads them: credits held, reserved and available, the
 * batches holding reservations, the ledger a page at a time, and the audit log (one's own, or the
 * workspace's for owners and admins).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../helpers/batches.ts';
import { submit, waitForStatus } from '../helpers/batch-requests.ts';
import { grantMicros, usdOf } from '../helpers/money.ts';
import { createKey, errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

type Billing = { currency: string; balance: string; reserved: string; available: string };
type LedgerPage = { data: { id: string; entry_type: string; amount: string; balance_after: string; reason: string; created_at: string }[]; has_more: boolean; next_cursor: string | null };
type ActivityPage = { data: { action: string; actor_type: string; actor_id: string | null; target_id: string | null }[]; has_more: boolean; next_cursor: string | null };

let server: TestServer;
beforeAll(async () => {
  // Batch jobs take two days by the manual clock: batches stay open, holding their reservations.
  server = await startTestServer({ sandboxBatchSeconds: 172_800 });
});
afterAll(async () => server?.stop());

describe('billing', () => {
  it('shows the balance, what running batches reserve and what is available, and the batches holding reservations', async () => {
    const org = await registerOrg(server);
    await grantMicros(server, org.orgId, 5_000_000);
    const batch = await submit(server, org.key, manifestOf(3));
    await waitForStatus(server, org.key, batch.body.id, ['processing']);
    const reserved = (await server.request<{ cost: { reserved: string } }>('GET', `/v1/batches/${batch.body.id}`, { key: org.key })).body.cost.reserved;

    const billing = await server.request<Billing>('GET', '/v1/billing', { key: org.key });
    expect(billing.status).toBe(200);
    expect(billing.body).toMatchObject({ currency: 'usd', balance: '5.00', reserved });
    expect(billing.body.available).toBe(usdOf(5_000_000 - Math.round(Number(reserved) * 1e6)));

    const reservations = await server.request<{ data: { batch_id: string; reserved: string; status: string }[] }>('GET', '/v1/billing/reservations', { key: org.key });
    expect(reservations.body.data).toEqual([expect.objectContaining({ batch_id: batch.body.id, reserved, status: 'processing' })]);

    await server.request('POST', `/v1/batches/${batch.body.id}/cancel`, { key: org.key });
    expect((await server.request<Billing>('GET', '/v1/billing', { key: org.key })).body).toMatchObject({ balance: '5.00', reserved: '0.00', available: '5.00' });
    expect((await server.request<{ data: unknown[] }>('GET', '/v1/billing/reservations', { key: org.key })).body.data).toEqual([]);
  });

  it('pages the ledger with a cursor, filters it by entry type, and its running balance ends at the available credits', async () => {
    const org = await registerOrg(server);
    await grantMicros(server, org.orgId, 1_000_000);
    await grantMicros(server, org.orgId, 2_000_000);
    const batch = await submit(server, org.key, manifestOf(2));
    await waitForStatus(server, org.key, batch.body.id, ['processing']);

    const seen: LedgerPage['data'] = [];
    let cursor: string | null = null;
    do {
      const page: LedgerPage = (await server.request<LedgerPage>('GET', `/v1/billing/ledger?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { key: org.key })).body;
      expect(page.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen.map((entry) => entry.entry_type).sort()).toEqual(['grant', 'grant', 'reservation']);
    expect(new Set(seen.map((entry) => entry.id)).size).toBe(3);
    const available = (await server.request<Billing>('GET', '/v1/billing', { key: org.key })).body.available;
    // The manual clock gives every row the same time, so the last movement is found by its balance.
    expect(seen.some((entry) => entry.balance_after === available)).toBe(true);

    const grants = await server.request<LedgerPage>('GET', '/v1/billing/ledger?entry_type=grant', { key: org.key });
    expect(grants.body.data.map((entry) => entry.amount).sort()).toEqual(['1.00', '2.00']);
  });

  it('bad parameters answer 400 with details, never 500', async () => {
    const org = await registerOrg(server);
    for (const query of ['entry_type=bonus', 'limit=0', 'limit=101', 'cursor=not-a-cursor', 'surprise=1']) {
      const response = await server.request('GET', `/v1/billing/ledger?${query}`, { key: org.key });
      expect(response.status, query).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
    }
  });

  it("another org's reservations and ledger are never shown", async () => {
    const a = await registerOrg(server);
    const b = await registerOrg(server);
    await grantMicros(server, a.orgId, 1_000_000);
    await submit(server, a.key, manifestOf(1));
    expect((await server.request<LedgerPage>('GET', '/v1/billing/ledger', { key: b.key })).body.data).toEqual([]);
    expect((await server.request<{ data: unknown[] }>('GET', '/v1/billing/reservations', { key: b.key })).body.data).toEqual([]);
    expect((await server.request<Billing>('GET', '/v1/billing', { key: b.key })).body).toMatchObject({ balance: '0.00', reserved: '0.00', available: '0.00' });
  });
});

describe('activity', () => {
  it("owners and admins read the workspace's log; everyone reads their own with mine=true", async () => {
    const org = await registerOrg(server);
    await grantMicros(server, org.orgId, 1_000_000);
    const member = await createKey(server, org.key, { role: 'member', name: 'member-key' });
    const submitted = await submit(server, member.key, manifestOf(1));

    const all = await server.request<ActivityPage>('GET', '/v1/auth/account/activity', { key: org.key });
    expect(all.status).toBe(200);
    expect(all.body.data.map((event) => event.action)).toEqual(expect.arrayContaining(['org.agent_registered', 'api_key.created', 'batch.submitted']));

    const denied = await server.request('GET', '/v1/auth/account/activity', { key: member.key });
    expect(denied.status).toBe(403);
    expect(errorCode(denied)).toBe('role_not_allowed');

    const own = await server.request<ActivityPage>('GET', '/v1/auth/account/activity?mine=true', { key: member.key });
    expect(own.status).toBe(200);
    // What the member key did (the submit) and what was done to it (its creation).
    expect(own.body.data.map((event) => event.action).sort()).toEqual(['api_key.created', 'batch.submitted']);
    expect(own.body.data.find((event) => event.action === 'batch.submitted')).toMatchObject({ actor_type: 'api_key', actor_id: member.keyId, target_id: submitted.body.id });
  });

  it('pages with a cursor and never shows another org', async () => {
    const org = await registerOrg(server);
    for (let i = 0; i < 3; i++) await createKey(server, org.key, { name: `key-${i}` });
    const first = (await server.request<ActivityPage>('GET', '/v1/auth/account/activity?limit=2', { key: org.key })).body;
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = (await server.request<ActivityPage>('GET', `/v1/auth/account/activity?limit=2&cursor=${first.next_cursor}`, { key: org.key })).body;
    expect(second.data).toHaveLength(2);
    const other = await registerOrg(server);
    const theirs = (await server.request<ActivityPage>('GET', '/v1/auth/account/activity?limit=100', { key: other.key })).body;
    expect(theirs.data.map((event) => event.action)).toEqual(['org.agent_registered']);
  });
});
