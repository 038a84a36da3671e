/** SQL for the api_keys table. */
import type { Insertable, Kysely } from 'kysely';
import type { ApiKeysTable, DB, Executor } from '../schema.ts';

export async function insertApiKey(db: Executor, key: Insertable<ApiKeysTable>): Promise<void> {
  await db.insertInto('api_keys').values(key).execute();
}

/** The key a request presents, with what authentication needs and nothing else. */
export async function findKeyByHash(db: Kysely<DB>, secretHash: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'org_id', 'environment', 'role', 'scopes', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('secret_hash', '=', secretHash)
    .executeTakeFirst();
}

/** Inserts a key unless one with the same secret hash exists; true when inserted. */
export async function insertApiKeyUnlessHashExists(db: Executor, key: Insertable<ApiKeysTable>): Promise<boolean> {
  const row = await db
    .insertInto('api_keys')
    .values(key)
    .onConflict((oc) => oc.column('secret_hash').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

const PUBLIC_COLUMNS = [
  'id',
  'org_id',
  'environment',
  'name',
  'role',
  'scopes',
  'prefix',
  'display',
  'legacy',
  'created_by_key_id',
  'created_by_user_id',
  'created_at',
  'expires_at',
  'revoked_at',
  'last_used_at',
] as const;

export async function listKeysOfOrg(db: Kysely<DB>, orgId: string) {
  return db
    .selectFrom('api_keys')
    .select(PUBLIC_COLUMNS)
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function findKeyOfOrg(db: Executor, orgId: string, keyId: string) {
  return db.selectFrom('api_keys').select(PUBLIC_COLUMNS).where('org_id', '=', orgId).where('id', '=', keyId).executeTakeFirst();
}

/** Marks a key revoked unless it already is; returns the key as it now stands. */
export async function revokeKeyOfOrg(db: Executor, orgId: string, keyId: string, at: Date) {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .execute();
  return findKeyOfOrg(db, orgId, keyId);
}

/** Records use, at most once per `granularityMs`, so most requests write nothing. */
export async function touchKey(db: Kysely<DB>, keyId: string, at: Date, granularityMs: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(at.getTime() - granularityMs))]))
    .execute();
}
