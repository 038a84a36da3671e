/** SQL for the credit ledger: every movement of money is one row. */
import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { CreditLedgerTable, DB, Executor, LedgerEntryType } from '../schema.ts';
import { olderThan, type PageCursor } from './pages.ts';

export async function insertLedgerEntry(db: Executor, entry: Insertable<CreditLedgerTable>): Promise<void> {
  await db.insertInto('credit_ledger').values(entry).execute();
}

/** The sum of an org's ledger: always equal to its balance. */
export async function sumLedger(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('credit_ledger')
    .select(sql<string>`coalesce(sum(amount_micros), 0)::text`.as('total'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** A page of an org's ledger, newest first, after the cursor (created_at, id) when given. */
export async function listLedgerEntries(db: Kysely<DB>, orgId: string, entryType: LedgerEntryType | undefined, limit: number, after: PageCursor | null) {
  let query = db.selectFrom('credit_ledger').selectAll().where('org_id', '=', orgId);
  if (entryType !== undefined) query = query.where('entry_type', '=', entryType);
  if (after) query = query.where(olderThan(after));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
