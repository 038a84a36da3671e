/** SQL for the audit log. */
import type { Insertable } from 'kysely';
import type { AuditEventsTable, Executor } from '../schema.ts';

export async function insertAuditEvent(db: Executor, event: Insertable<AuditEventsTable>): Promise<void> {
  await db.insertInto('audit_events').values(event).execute();
}
