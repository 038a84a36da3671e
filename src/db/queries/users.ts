/** SQL for users (people who sign in to the dashboard). Emails are unique whatever their case. */
import { sql, type Insertable } from 'kysely';
import type { Executor, UsersTable } from '../schema.ts';

const USER_COLUMNS = ['id', 'email', 'password_hash', 'email_verified_at', 'last_login_at', 'created_at'] as const;

/** Inserts a user unless the email (any case) is taken; returns false when it was. */
export async function insertUserUnlessEmailTaken(db: Executor, user: Insertable<UsersTable>): Promise<boolean> {
  const result = await sql`
    insert into users (id, email, password_hash, email_verified_at, last_login_at, created_at)
    values (${user.id}, ${user.email}, ${user.password_hash ?? null}, ${user.email_verified_at ?? null}, ${user.last_login_at ?? null}, ${user.created_at})
    on conflict (lower(email)) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0n) === 1;
}

export async function findUserByEmail(db: Executor, email: string) {
  return db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function findUser(db: Executor, userId: string) {
  return db.selectFrom('users').select(USER_COLUMNS).where('id', '=', userId).executeTakeFirst();
}

export type UserRow = NonNullable<Awaited<ReturnType<typeof findUser>>>;

export async function setPasswordHash(db: Executor, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export async function setLastLogin(db: Executor, userId: string, at: Date): Promise<void> {
  await db.updateTable('users').set({ last_login_at: at }).where('id', '=', userId).execute();
}

/** Marks the address verified, if it is still the user's address; returns whether it was. */
export async function markEmailVerified(db: Executor, userId: string, email: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({ email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(at)) }))
    .where('id', '=', userId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Switches the user's email to a new, verified address; false when another user holds it. */
export async function changeEmail(db: Executor, userId: string, email: string, at: Date): Promise<boolean> {
  const taken = await db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('id', '<>', userId)
    .executeTakeFirst();
  if (taken) return false;
  await db.updateTable('users').set({ email, email_verified_at: at }).where('id', '=', userId).execute();
  return true;
}
