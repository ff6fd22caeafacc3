import type { Clock } from '../../clock';
import type { TenantRef } from '../../domain/inputs';
import type { Invitation } from '../../domain/invitation';
import { onboardingOf, type Onboarding } from '../../domain/onboarding';
import type { CustomerTenant } from '../../domain/tenant';
import type { InvitationStore, TenantStore } from '../ports';

export type TenantStatusResult =
  | { ok: true; tenant: CustomerTenant; onboarding: Onboarding; invitations: Invitation[] }
  | { ok: false; reason: 'unknown-tenant'; ref: TenantRef };

/** One tenant, how far its onboarding got, and its invitations; found by id or domain. */
export async function getTenantStatus(
  deps: { tenants: TenantStore; invitations: InvitationStore; clock: Clock },
  ref: TenantRef,
): Promise<TenantStatusResult> {
  const tenant = ref.kind === 'id' ? await deps.tenants.get(ref.value) : await deps.tenants.findByDomain(ref.value);
  if (!tenant) return { ok: false, reason: 'unknown-tenant', ref };
  const invitations = await deps.invitations.listForTenant(tenant.tenantId);
  return { ok: true, tenant, onboarding: onboardingOf(invitations, deps.clock.now()), invitations };
}
