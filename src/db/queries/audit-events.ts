/** SQL for the audit log. */
import type { Insertable, Kysely } from 'kysely';
import type { ActorType, AuditEventsTable, DB, Executor } from '../schema.ts';
import { olderThan, type PageCursor } from './pages.ts';

export async function insertAuditEvent(db: Executor, event: Insertable<AuditEventsTable>): Promise<void> {
  await db.insertInto('audit_events').values(event).execute();
}

/**
 * A page of an org's audit events, newest first, after the cursor when given; with `about`, only
 * those that one actor did or that were done to it.
 */
export async function listAuditEvents(db: Kysely<DB>, orgId: string, about: { type: ActorType; id: string } | null, limit: number, after: PageCursor | null) {
  let query = db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId);
  if (about) {
    query = query.where((eb) =>
      eb.or([eb.and([eb('actor_type', '=', about.type), eb('actor_id', '=', about.id)]), eb.and([eb('target_type', '=', about.type), eb('target_id', '=', about.id)])]),
    );
  }
  if (after) query = query.where(olderThan(after));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
