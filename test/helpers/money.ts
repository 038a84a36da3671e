/**
 * Helpers for tests that count money and stored rows: operator grants, the balance and the ledger
 * read straight from the database, and what an org has stored (to prove a rejection stored nothing).
 */
import { expect } from 'vitest';
import { sql } from 'kysely';
import { ADMIN_TOKEN, type TestServer } from './server.ts';

/** "0.001234" → 1234: exact, like the server's own parsing. */
export function microsOf(usd: string): number {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(usd);
  if (!match?.[1]) throw new Error(`not a USD amount: ${usd}`);
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}

/** 1234 → "0.001234": the exact decimal string the operator API accepts. */
export function usdOf(micros: number): string {
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

/** Grants credits to an org through the operator API. */
export async function grantMicros(server: TestServer, orgId: string, micros: number): Promise<void> {
  const response = await server.request('POST', `/operator/v1/orgs/${orgId}/credits`, { key: ADMIN_TOKEN, body: { amount: usdOf(micros), reason: 'test grant' } });
  if (response.status !== 201) throw new Error(`grant answered ${response.status}: ${JSON.stringify(response.body)}`);
}

/** The org's balance as stored on its row. */
export async function balanceMicros(server: TestServer, orgId: string): Promise<number> {
  const row = await server.server.database.db.selectFrom('orgs').select('credit_balance_micros').where('id', '=', orgId).executeTakeFirstOrThrow();
  return Number(row.credit_balance_micros);
}

/** Every ledger row of the org, oldest first. */
export async function ledgerRows(server: TestServer, orgId: string) {
  return server.server.database.db
    .selectFrom('credit_ledger')
    .select(['entry_type', 'amount_micros', 'balance_after_micros', 'reason'])
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** The money invariants: the ledger sums to the balance, and neither ever went below zero. */
export async function expectLedgerMatchesBalance(server: TestServer, orgId: string): Promise<void> {
  const rows = await ledgerRows(server, orgId);
  const balance = await balanceMicros(server, orgId);
  expect(rows.reduce((sum, row) => sum + Number(row.amount_micros), 0)).toBe(balance);
  expect(balance).toBeGreaterThanOrEqual(0);
  for (const row of rows) expect(Number(row.balance_after_micros)).toBeGreaterThanOrEqual(0);
}

export interface StoredRows {
  batches: number;
  items: number;
  ledger: number;
  balance: number;
}

/** What the org has stored: batches, their items, ledger rows, and its balance. */
export async function storedRows(server: TestServer, orgId: string): Promise<StoredRows> {
  const db = server.server.database.db;
  const batches = await db.selectFrom('batches').select(sql<number>`count(*)::int`.as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const items = await db
    .selectFrom('batch_items')
    .innerJoin('batches', 'batches.id', 'batch_items.batch_id')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('batches.org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  const ledger = await db.selectFrom('credit_ledger').select(sql<number>`count(*)::int`.as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  return { batches: batches.n, items: items.n, ledger: ledger.n, balance: await balanceMicros(server, orgId) };
}
