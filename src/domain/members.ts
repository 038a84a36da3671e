/**
 * Workspace members and their roles. Owners and admins manage members; admins cannot make owners
 * nor touch owners; a workspace always keeps an owner; anyone may leave (unless the last owner).
 * Membership changes of one org take turns on the org's row, so "last owner" holds under concurrency.
 */
import { isoTimestamp } from '../clock.ts';
import { countOwners, deleteMembership, findMember, listMembers as listMemberRows, lockOrgForMembershipChange, setMemberRole, type MemberRow } from '../db/queries/memberships.ts';
import { revokeSessionsOfMember } from '../db/queries/sessions.ts';
import type { Executor, Role } from '../db/schema.ts';
import { KEY_MANAGER_ROLES } from './access.ts';
import { recordAudit } from './audit.ts';
import type { DomainContext, Principal, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';

export function presentMember(member: MemberRow) {
  return {
    user_id: member.user_id,
    email: member.email,
    role: member.role,
    joined_at: isoTimestamp(member.created_at),
    email_verified_at: member.email_verified_at ? isoTimestamp(member.email_verified_at) : null,
  };
}

export type PresentedMember = ReturnType<typeof presentMember>;

/** The members of the principal's workspace, oldest first. */
export async function listMembers(ctx: DomainContext, principal: Principal): Promise<PresentedMember[]> {
  return (await listMemberRows(ctx.db, principal.orgId)).map(presentMember);
}

function requireManager(principal: Principal, doing: string): void {
  if (!KEY_MANAGER_ROLES.includes(principal.role)) throw new ApiError('role_not_allowed', `Only workspace owners and admins can ${doing}.`);
}

function memberNotFound(userId: string): ApiError {
  return new ApiError('member_not_found', `No member of your workspace has the user id ${userId}.`);
}

async function lockedMember(trx: Executor, orgId: string, userId: string): Promise<MemberRow> {
  await lockOrgForMembershipChange(trx, orgId);
  const member = await findMember(trx, orgId, userId);
  if (!member) throw memberNotFound(userId);
  return member;
}

async function ensureAnotherOwner(trx: Executor, orgId: string, member: MemberRow, doing: string): Promise<void> {
  if (member.role === 'owner' && (await countOwners(trx, orgId)) <= 1) {
    throw new ApiError('last_owner', `The workspace's last owner cannot be ${doing}: make another member an owner first.`);
  }
}

/** Changes a member's role, within the rules above; returns the member as changed. */
export async function changeMemberRole(ctx: DomainContext, principal: Principal, userId: string, role: Role, origin: RequestOrigin): Promise<PresentedMember> {
  requireManager(principal, 'change roles');
  const now = ctx.clock.now();
  const event = { kind: 'org' as const, id: principal.orgId };
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const member = await lockedMember(trx, principal.orgId, userId);
    if (principal.role !== 'owner' && (role === 'owner' || member.role === 'owner')) {
      throw new ApiError('role_not_allowed', role === 'owner' ? 'Only owners can make someone an owner.' : "Only owners can change an owner's role.");
    }
    if (member.role === role) return member;
    if (role !== 'owner') await ensureAnotherOwner(trx, principal.orgId, member, 'demoted');
    await setMemberRole(trx, principal.orgId, userId, role);
    await ctx.invalidation.publish(trx, event);
    await recordAudit(trx, { orgId: principal.orgId, actor: principal.actor, action: 'member.role_changed', target: { type: 'user', id: userId }, origin, details: { from: member.role, to: role }, at: now });
    return { ...member, role };
  });
  await ctx.invalidation.settle([event]);
  return presentMember(changed);
}

/**
 * Removes a member (or lets a member leave); their sessions acting in this workspace end. Their
 * account and their other workspaces are untouched.
 */
export async function removeMember(ctx: DomainContext, principal: Principal, userId: string, origin: RequestOrigin): Promise<void> {
  const leaving = principal.actor.type === 'user' && principal.actor.id === userId;
  if (!leaving) requireManager(principal, 'remove members');
  const now = ctx.clock.now();
  const event = { kind: 'org' as const, id: principal.orgId };
  await ctx.db.transaction().execute(async (trx) => {
    const member = await lockedMember(trx, principal.orgId, userId);
    if (!leaving && principal.role !== 'owner' && member.role === 'owner') throw new ApiError('role_not_allowed', 'Only owners can remove an owner.');
    await ensureAnotherOwner(trx, principal.orgId, member, leaving ? 'the one to leave' : 'removed');
    await deleteMembership(trx, principal.orgId, userId);
    const endedSessions = await revokeSessionsOfMember(trx, principal.orgId, userId, now, leaving ? 'left_workspace' : 'removed_from_workspace');
    await ctx.invalidation.publish(trx, event);
    await recordAudit(trx, {
      orgId: principal.orgId,
      actor: principal.actor,
      action: leaving ? 'member.left' : 'member.removed',
      target: { type: 'user', id: userId },
      origin,
      details: { role: member.role, ended_sessions: endedSessions },
      at: now,
    });
  });
  await ctx.invalidation.settle([event]);
}
