/**
 * Recent activity from the audit log: a person's own sign-ins, verifications, recoveries and
 * account changes (or a key's own actions), and, for owners and admins, the whole workspace's.
 */
import { isoTimestamp } from '../clock.ts';
import { listAuditEvents } from '../db/queries/audit-events.ts';
import { KEY_MANAGER_ROLES } from './access.ts';
import type { DomainContext, Principal } from './context.ts';
import { ApiError } from './errors.ts';
import type { PageCursor } from '../db/queries/pages.ts';

/**
 * One page of audit events, newest first: with `mine`, those the caller did or that were done to
 * it; without, the whole org's, which only owners and admins may read.
 */
export async function listActivity(ctx: DomainContext, principal: Principal, mine: boolean, limit: number, after: PageCursor | null) {
  if (!mine && !KEY_MANAGER_ROLES.includes(principal.role)) {
    throw new ApiError('role_not_allowed', "Members see their own activity (mine=true); the workspace's whole log is for owners and admins.");
  }
  const about = mine ? { type: principal.actor.type, id: principal.actor.id } : null;
  const rows = await listAuditEvents(ctx.db, principal.orgId, about, limit + 1, after);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((event) => ({
      id: event.id,
      action: event.action,
      actor_type: event.actor_type,
      actor_id: event.actor_id,
      target_type: event.target_type,
      target_id: event.target_id,
      ip: event.ip,
      user_agent: event.user_agent,
      details: event.details,
      created_at: isoTimestamp(event.created_at),
    })),
    next: rows.length > limit && last ? { createdAt: last.created_at, id: last.id } : null,
  };
}
