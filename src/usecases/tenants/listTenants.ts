import type { Clock } from '../../clock';
import { onboardingOf, type Onboarding } from '../../domain/onboarding';
import type { CustomerTenant } from '../../domain/tenant';
import type { InvitationStore, TenantStore } from '../ports';

export interface TenantOverview {
  readonly tenant: CustomerTenant;
  readonly onboarding: Onboarding;
}

/** The Customer Tenants view: every tenant with its current authentication and its onboarding. */
export async function listTenants(deps: { tenants: TenantStore; invitations: InvitationStore; clock: Clock }): Promise<TenantOverview[]> {
  // Two queries whatever the number of tenants: the tenants, and the recent invitations grouped by tenant.
  const [tenants, invitations] = await Promise.all([deps.tenants.list(), deps.invitations.listRecent()]);
  const now = deps.clock.now();
  return tenants.map((tenant) => ({ tenant, onboarding: onboardingOf(invitations.filter((i) => i.tenantId === tenant.tenantId), now) }));
}
