import type { Audit } from '../ports';
import type { Clock } from '../../clock';
import type { Actor, Role, StaffMember, StaffProfile } from '../../domain/staff';
import type { StaffStore } from '../ports';
import type { StaffPolicy } from './authorizeStaff';

export interface StaffDeps {
  readonly staff: StaffStore;
  readonly policy: StaffPolicy;
  readonly audit: Audit;
  readonly clock: Clock;
}

export type StaffListEntry = { id: string; role: Role; source: 'configuration' | 'store'; addedAt?: string; displayName?: string; upn?: string };

export async function listStaff(deps: StaffDeps): Promise<StaffListEntry[]> {
  const stored = await deps.staff.list();
  const bootstrap = deps.policy.bootstrapAdmins.map((id): StaffListEntry => ({ id, role: 'admin', source: 'configuration' }));
  return [
    ...bootstrap,
    ...stored
      .filter((m) => !deps.policy.bootstrapAdmins.includes(m.id))
      .map((m): StaffListEntry => ({ id: m.id, role: m.role, source: 'store', addedAt: m.addedAt, ...(m.displayName ? { displayName: m.displayName } : {}), ...(m.upn ? { upn: m.upn } : {}) })),
  ];
}

export type AddStaffResult = { ok: true; member: StaffMember; previousRole?: Role } | { ok: false; reason: 'bootstrap-admin' | 'not-provider-tenant' };

/**
 * Gives `id` a role. `profile` is what the Teams roster said about the person (name, UPN, tenant):
 * kept for the staff list, and carried over when a later change comes without it.
 */
export async function addStaff(deps: StaffDeps, actor: Actor, id: string, role: Role, requestKey: string, profile: StaffProfile = {}): Promise<AddStaffResult> {
  if (deps.policy.bootstrapAdmins.includes(id)) return { ok: false, reason: 'bootstrap-admin' };
  // A role for someone of another organization would never be honoured (authorization checks the tenant first).
  if (profile.tenantId && !deps.policy.providerTenantIds.includes(profile.tenantId.toLowerCase())) return { ok: false, reason: 'not-provider-tenant' };
  const previous = await deps.staff.get(id);
  const displayName = profile.displayName ?? previous?.displayName;
  const upn = profile.upn ?? previous?.upn;
  const member: StaffMember = { id, role, addedBy: actor.aadObjectId, addedAt: deps.clock.now().toISOString(), ...(displayName ? { displayName } : {}), ...(upn ? { upn } : {}) };
  await deps.staff.put(member);
  await deps.audit({ actor, action: 'staff.add', outcome: 'ok', target: id, detail: previous ? `${previous.role} → ${role}` : role, requestKey });
  return { ok: true, member, previousRole: previous?.role };
}

export type RemoveStaffResult = { ok: true } | { ok: false; reason: 'bootstrap-admin' | 'not-staff' | 'self' };

export async function removeStaff(deps: StaffDeps, actor: Actor, id: string, requestKey: string): Promise<RemoveStaffResult> {
  if (deps.policy.bootstrapAdmins.includes(id)) return { ok: false, reason: 'bootstrap-admin' };
  // An admin removing themselves could leave nobody able to manage staff; another admin must do it.
  if (id === actor.aadObjectId.toLowerCase()) return { ok: false, reason: 'self' };
  if (!(await deps.staff.remove(id))) return { ok: false, reason: 'not-staff' };
  await deps.audit({ actor, action: 'staff.remove', outcome: 'ok', target: id, requestKey });
  return { ok: true };
}
