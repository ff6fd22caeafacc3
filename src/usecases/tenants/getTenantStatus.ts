import type { Clock } from '../../clock';
import type { TenantRef } from '../../domain/inputs';
import type { Invitation } from '../../domain/invitation';
import { onboardingOf, type Onboarding } from '../../domain/onboarding';
import type { CustomerTenant } from '../../domain/tenant';
import type { InvitationStore, TenantStore } from '../ports';

export type TenantStatusResult =
  | { ok: true; tenant: CustomerTenant; onboarding: Onboarding; invitations: Invitation[] }
  | { ok: false; reason: 'unknown-tenant'; ref: TenantRef };

/**
 * The tenant names its newest invitation, which is read by id (one point read, where a list is a
 * query); a tenant without one, or whose newest was never written, has its invitations listed.
 */
async function invitationsShown(deps: { invitations: InvitationStore }, tenant: CustomerTenant): Promise<Invitation[]> {
  const latest = tenant.latestInvitationId === undefined ? undefined : await deps.invitations.get(tenant.tenantId, tenant.latestInvitationId);
  return latest ? [latest] : deps.invitations.listForTenant(tenant.tenantId);
}

/** One tenant (with its last validations), how far its onboarding got, and its newest invitation; found by id or domain. */
export async function getTenantStatus(
  deps: { tenants: TenantStore; invitations: InvitationStore; clock: Clock },
  ref: TenantRef,
): Promise<TenantStatusResult> {
  const tenant = ref.kind === 'id' ? await deps.tenants.get(ref.value) : await deps.tenants.findByDomain(ref.value);
  if (!tenant) return { ok: false, reason: 'unknown-tenant', ref };
  const invitations = await invitationsShown(deps, tenant);
  return { ok: true, tenant, onboarding: onboardingOf(invitations, deps.clock.now()), invitations };
}
