import { Actor, Role, roleAllows } from '../../domain/staff';
import type { StaffStore } from '../ports';

export interface StaffPolicy {
  readonly providerTenantIds: readonly string[];
  readonly bootstrapAdmins: readonly string[];
}

export type Authorization =
  | { ok: true; role: Role }
  | { ok: false; reason: 'not-provider-tenant' | 'no-role' | 'insufficient-role'; role?: Role };

/** The role a person holds: bootstrap admins from configuration, else the staff store. */
export async function roleOf(staff: StaffStore, policy: StaffPolicy, actor: Actor): Promise<Role | undefined> {
  if (!actor.aadObjectId || !policy.providerTenantIds.includes(actor.tenantId.toLowerCase())) return undefined;
  const id = actor.aadObjectId.toLowerCase();
  if (policy.bootstrapAdmins.includes(id)) return 'admin';
  return (await staff.get(id))?.role;
}

/** Default deny: the provider tenant must match and the object id must hold a role high enough. */
export async function authorizeStaff(staff: StaffStore, policy: StaffPolicy, actor: Actor, needed: Role): Promise<Authorization> {
  if (!policy.providerTenantIds.includes((actor.tenantId ?? '').toLowerCase())) return { ok: false, reason: 'not-provider-tenant' };
  const role = await roleOf(staff, policy, actor);
  if (role === undefined) return { ok: false, reason: 'no-role' };
  return roleAllows(role, needed) ? { ok: true, role } : { ok: false, reason: 'insufficient-role', role };
}
