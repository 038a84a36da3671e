/**
 * Roles and scopes: what each role may hold, and the rule that a key never grants more than the
 * key (or person) that created it.
 */
import type { Role } from '../db/schema.ts';

export const SCOPES = [
  'batches:write',
  'batches:read',
  'usage:read',
  'webhooks:read',
  'webhooks:write',
  'keys:write',
  'account:read',
] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ['owner', 'admin', 'member'] as const satisfies readonly Role[];

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** The scopes a key of each role may hold. Members cannot manage keys or webhooks. */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES,
  member: ['batches:write', 'batches:read', 'usage:read', 'webhooks:read', 'account:read'],
};

/** The roles allowed to create and revoke API keys. */
export const KEY_MANAGER_ROLES: readonly Role[] = ['owner', 'admin'];

/** True when a role is the same as or below another. */
export function roleAtMost(role: Role, ceiling: Role): boolean {
  return RANK[role] <= RANK[ceiling];
}

/** True when a key of `role` holding `scopes` may act with `scope`. */
export function allows(role: Role, scopes: readonly string[], scope: Scope): boolean {
  return scopes.includes(scope) && ROLE_SCOPES[role].includes(scope);
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
