/** Roles as the dashboard offers them: nobody grants a role above their own. */
import type { Role } from '../../api/types.ts';

const ORDER: readonly Role[] = ['member', 'admin', 'owner'];

export const ROLE_LABELS: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

/** The roles someone with `role` may give, highest first. */
export function grantableRoles(role: Role): { value: Role; label: string }[] {
  return ORDER.slice(0, ORDER.indexOf(role) + 1)
    .reverse()
    .map((value) => ({ value, label: ROLE_LABELS[value] }));
}
