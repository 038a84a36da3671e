/** SQL for the provider API keys orgs store (sealed; see src/domain/secret-box.ts). */
import type { Insertable } from 'kysely';
import type { Executor, ProviderKeysTable } from '../schema.ts';

export async function findProviderKey(db: Executor, orgId: string, provider: ProviderKeysTable['provider']) {
  return db.selectFrom('provider_keys').selectAll().where('org_id', '=', orgId).where('provider', '=', provider).executeTakeFirst();
}

/** Saves the org's key for the provider, replacing any earlier one (its created_at is kept). */
export async function upsertProviderKey(db: Executor, key: Insertable<ProviderKeysTable>): Promise<void> {
  await db
    .insertInto('provider_keys')
    .values(key)
    .onConflict((conflict) => conflict.columns(['org_id', 'provider']).doUpdateSet({ key_encrypted: key.key_encrypted, key_hint: key.key_hint, updated_at: key.updated_at }))
    .execute();
}

/** Removes the org's key for the provider; returns whether there was one. */
export async function deleteProviderKey(db: Executor, orgId: string, provider: ProviderKeysTable['provider']): Promise<boolean> {
  const result = await db.deleteFrom('provider_keys').where('org_id', '=', orgId).where('provider', '=', provider).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
