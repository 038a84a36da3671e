/** SQL for the credit ledger: every movement of money is one row. */
import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { CreditLedgerTable, Executor } from '../schema.ts';

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
