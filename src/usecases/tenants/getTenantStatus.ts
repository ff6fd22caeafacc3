import type { TenantRef } from '../../domain/inputs';
import type { CustomerTenant } from '../../domain/tenant';
import type { Invitation } from '../../domain/invitation';
import type { InvitationStore } from '../ports';
import type { TenantStore } from '../ports';

export type TenantStatusResult =
  | { ok: true; tenant: CustomerTenant; invitations: Invitation[] }
  | { ok: false; reason: 'unknown-tenant'; ref: TenantRef };

/** One tenant and its invitations, found by id or domain. */
export async function getTenantStatus(
  deps: { tenants: TenantStore; invitations: InvitationStore },
  ref: TenantRef,
): Promise<TenantStatusResult> {
  const tenant = ref.kind === 'id' ? await deps.tenants.get(ref.value) : await deps.tenants.findByDomain(ref.value);
  if (!tenant) return { ok: false, reason: 'unknown-tenant', ref };
  return { ok: true, tenant, invitations: await deps.invitations.listForTenant(tenant.tenantId) };
}
