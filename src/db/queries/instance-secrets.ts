/** SQL for secrets generated once per instance and shared by every process through the database. */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

/** The instance's secret of that name, generated (32 random bytes) by the first process that asks. */
export async function loadInstanceSecret(db: Kysely<DB>, name: string, now: Date): Promise<Buffer> {
  await db
    .insertInto('instance_secrets')
    .values({ name, secret: randomBytes(32).toString('base64url'), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('instance_secrets').select('secret').where('name', '=', name).executeTakeFirstOrThrow();
  return Buffer.from(row.secret, 'base64url');
}
