/** The audit log: who did what to which thing, from where. */
import { newId } from '../ids.ts';
import { insertAuditEvent } from '../db/queries/audit-events.ts';
import type { ActorType, Executor } from '../db/schema.ts';
import type { RequestOrigin } from './context.ts';

export interface AuditEntry {
  orgId: string | null;
  actor: { type: ActorType; id: string | null };
  action: string;
  target?: { type: string; id: string };
  origin: RequestOrigin;
  details?: Record<string, unknown>;
  at: Date;
}

/** Appends one event to the audit log (inside the caller's transaction when given one). */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await insertAuditEvent(db, {
    id: newId('aud'),
    org_id: entry.orgId,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    action: entry.action,
    target_type: entry.target?.type ?? null,
    target_id: entry.target?.id ?? null,
    ip: entry.origin.ip,
    user_agent: entry.origin.userAgent?.slice(0, 512) ?? null,
    details: JSON.stringify(entry.details ?? {}),
    created_at: entry.at,
  });
}
