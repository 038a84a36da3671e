/** SQL for the orgs table. */
import type { OrgsTable, Executor } from '../schema.ts';
import type { Insertable } from 'kysely';

export async function insertOrg(db: Executor, org: Insertable<OrgsTable>): Promise<void> {
  await db.insertInto('orgs').values(org).execute();
}

export async function findOrg(db: Executor, orgId: string) {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

/** Adds `amount` (negative to take) to the balance; returns the new balance, or null when no such org. */
export async function addToBalance(db: Executor, orgId: string, amountMicros: number): Promise<number | null> {
  const row = await db
    .updateTable('orgs')
    .set((eb) => ({ credit_balance_micros: eb('credit_balance_micros', '+', amountMicros) }))
    .where('id', '=', orgId)
    .returning('credit_balance_micros')
    .executeTakeFirst();
  return row ? row.credit_balance_micros : null;
}

/** Renames an org. */
export async function renameOrg(db: Executor, orgId: string, displayName: string): Promise<void> {
  await db.updateTable('orgs').set({ display_name: displayName }).where('id', '=', orgId).execute();
}
