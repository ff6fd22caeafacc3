import type { Clock } from '../../clock';
import type { TenantRef } from '../../domain/inputs';
import type { Invitation } from '../../domain/invitation';
import { onboardingOf, type Onboarding } from '../../domain/onboarding';
import type { CustomerTenant } from '../../domain/tenant';
import { historySince, type ValidationRecord } from '../../domain/validation';
import type { InvitationStore, TenantStore, ValidationStore } from '../ports';

/** How many of the kept validations the status card shows. */
export const STATUS_VALIDATIONS_SHOWN = 5;

export type TenantStatusResult =
  | { ok: true; tenant: CustomerTenant; onboarding: Onboarding; invitations: Invitation[]; validations: ValidationRecord[] }
  | { ok: false; reason: 'unknown-tenant'; ref: TenantRef };

/**
 * The tenant names its newest invitation, which is read by id (one point read, where a list is a
 * query); a tenant without one, or whose newest was never written, has its invitations listed.
 */
async function invitationsShown(deps: { invitations: InvitationStore }, tenant: CustomerTenant): Promise<Invitation[]> {
  const latest = tenant.latestInvitationId === undefined ? undefined : await deps.invitations.get(tenant.tenantId, tenant.latestInvitationId);
  return latest ? [latest] : deps.invitations.listForTenant(tenant.tenantId);
}

/** One tenant, how far its onboarding got, its newest invitation and its last validations; found by id or domain. */
export async function getTenantStatus(
  deps: { tenants: TenantStore; invitations: InvitationStore; clock: Clock; validations?: ValidationStore },
  ref: TenantRef,
): Promise<TenantStatusResult> {
  const tenant = ref.kind === 'id' ? await deps.tenants.get(ref.value) : await deps.tenants.findByDomain(ref.value);
  if (!tenant) return { ok: false, reason: 'unknown-tenant', ref };
  const now = deps.clock.now();
  // Both partitions at once: the history costs the status turn no extra round trip.
  const [invitations, validations] = await Promise.all([
    invitationsShown(deps, tenant),
    deps.validations?.listForTenant(tenant.tenantId, { since: historySince(now), limit: STATUS_VALIDATIONS_SHOWN }) ?? Promise.resolve([]),
  ]);
  return { ok: true, tenant, onboarding: onboardingOf(invitations, now), invitations, validations };
}
