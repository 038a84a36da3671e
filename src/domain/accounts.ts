/**
 * Orgs as their owners see them: agent registration (an org and an owner key in one call) and
 * the account summary (org, plan, credit balance, members).
 */
import { isoTimestamp } from '../clock.ts';
import { newId } from '../ids.ts';
import { formatUsd } from '../money.ts';
import { listMembers } from '../db/queries/memberships.ts';
import { findOrg, insertOrg, renameOrg } from '../db/queries/orgs.ts';
import { KEY_MANAGER_ROLES, SCOPES } from './access.ts';
import { issueKey } from './api-keys.ts';
import { recordMovement } from './credits.ts';
import { recordAudit } from './audit.ts';
import type { DomainContext, Principal, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';
import { consumeRateLimit, HOUR_MS } from './rate-limits.ts';

export interface AgentRegistrationPolicy {
  enabled: boolean;
  perAddressPerHour: number;
  /** Test credits a new org starts with (0 for none). */
  starterCreditsMicros: number;
}

export interface AgentRegistration {
  org_id: string;
  api_key: string;
  api_key_id: string;
}

const DEFAULT_ORG_NAME = 'Agent workspace';

/**
 * Creates an org with no user and an owner key holding every scope, in one transaction. Limited
 * per client address (shared by every process) and closed entirely when the operator says so.
 */
export async function registerAgent(
  ctx: DomainContext,
  policy: AgentRegistrationPolicy,
  input: { org_name?: string; agent_name?: string },
  origin: RequestOrigin,
): Promise<AgentRegistration> {
  if (!policy.enabled) throw new ApiError('agent_register_disabled', 'Agent registration is turned off on this instance.');
  await consumeRateLimit(ctx, `agent-register:${origin.ip ?? 'unknown'}`, policy.perAddressPerHour, HOUR_MS);
  const now = ctx.clock.now();
  const orgId = newId('org');
  const issued = await ctx.db.transaction().execute(async (trx) => {
    await insertOrg(trx, {
      id: orgId,
      display_name: input.org_name?.trim() || DEFAULT_ORG_NAME,
      created_via: 'agent_register',
      created_at: now,
    });
    const key = await issueKey(trx, ctx.environment, {
      orgId,
      name: input.agent_name?.trim() || null,
      role: 'owner',
      scopes: [...SCOPES],
      createdByKeyId: null,
      expiresAt: null,
      at: now,
    });
    if (policy.starterCreditsMicros > 0) {
      await recordMovement(trx, { orgId, type: 'grant', amountMicros: policy.starterCreditsMicros, reason: 'starter credits', actor: 'system', at: now });
    }
    await recordAudit(trx, {
      orgId,
      actor: { type: 'anonymous', id: null },
      action: 'org.agent_registered',
      target: { type: 'api_key', id: key.id },
      origin,
      details: { agent_name: input.agent_name ?? null },
      at: now,
    });
    return key;
  });
  return { org_id: orgId, api_key: issued.secret, api_key_id: issued.id };
}

export interface AccountSummary {
  org_id: string;
  display_name: string;
  plan: string;
  credit_balance: { currency: 'usd'; amount: string };
  members: { user_id: string; email: string; role: string; joined_at: string }[];
}

/**
 * The principal's org: name, plan, balance as a decimal string, and its members with roles. Cached
 * per process; whatever changes these (credits, members, the name) invalidates the org.
 */
export async function getAccount(ctx: DomainContext, principal: Principal): Promise<AccountSummary> {
  const account = await ctx.caches.accounts.getOrLoad(principal.orgId, () => loadAccount(ctx, principal.orgId), ctx.invalidation.cachesUsable);
  if (!account) throw new ApiError('org_not_found', 'The org of this key no longer exists.');
  return account;
}

/** Reads an account summary from the database; undefined when the org is gone. */
async function loadAccount(ctx: DomainContext, orgId: string): Promise<AccountSummary | undefined> {
  const [org, members] = await Promise.all([findOrg(ctx.db, orgId), listMembers(ctx.db, orgId)]);
  if (!org) return undefined;
  return {
    org_id: org.id,
    display_name: org.display_name,
    plan: org.plan,
    credit_balance: { currency: 'usd', amount: formatUsd(org.credit_balance_micros) },
    members: members.map((m) => ({ user_id: m.user_id, email: m.email, role: m.role, joined_at: isoTimestamp(m.created_at) })),
  };
}

/** Renames the principal's workspace (owners and admins) and returns the account as it now is. */
export async function renameWorkspace(ctx: DomainContext, principal: Principal, displayName: string, origin: RequestOrigin): Promise<AccountSummary> {
  if (!KEY_MANAGER_ROLES.includes(principal.role)) throw new ApiError('role_not_allowed', 'Only workspace owners and admins can rename the workspace.');
  const name = displayName.trim();
  if (name === '') throw new ApiError('invalid_request', 'The workspace name cannot be blank.', { details: [{ path: 'display_name', message: 'must not be blank' }] });
  const now = ctx.clock.now();
  const event = { kind: 'org' as const, id: principal.orgId };
  await ctx.db.transaction().execute(async (trx) => {
    const org = await findOrg(trx, principal.orgId);
    if (!org) throw new ApiError('org_not_found', 'This workspace no longer exists.');
    await renameOrg(trx, principal.orgId, name);
    await ctx.invalidation.publish(trx, event);
    await recordAudit(trx, { orgId: principal.orgId, actor: principal.actor, action: 'org.renamed', target: { type: 'org', id: principal.orgId }, origin, details: { from: org.display_name, to: name }, at: now });
  });
  await ctx.invalidation.settle([event]);
  return getAccount(ctx, principal);
}
