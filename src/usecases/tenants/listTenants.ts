import type { Clock } from '../../clock';
import type { Invitation } from '../../domain/invitation';
import { onboardingOf, type Onboarding } from '../../domain/onboarding';
import type { CustomerTenant } from '../../domain/tenant';
import type { InvitationStore, TenantStore } from '../ports';

export interface TenantOverview {
  readonly tenant: CustomerTenant;
  readonly onboarding: Onboarding;
}

/**
 * The Customer Tenants view: every tenant with its current authentication and its onboarding.
 * Two queries, the tenants and the recent invitations; a tenant whose newest invitation is older
 * than those gets it by one point read, so its onboarding is never told from a partial list.
 */
export async function listTenants(deps: { tenants: TenantStore; invitations: InvitationStore; clock: Clock }): Promise<TenantOverview[]> {
  const [tenants, recent] = await Promise.all([deps.tenants.list(), deps.invitations.listRecent()]);
  const byTenant = new Map<string, Invitation[]>();
  for (const inv of recent) {
    const group = byTenant.get(inv.tenantId);
    if (group) group.push(inv);
    else byTenant.set(inv.tenantId, [inv]);
  }
  const now = deps.clock.now();
  return Promise.all(
    tenants.map(async (tenant) => {
      const seen = byTenant.get(tenant.tenantId) ?? [];
      const newestId = tenant.latestInvitationId;
      if (newestId === undefined) return { tenant, onboarding: onboardingOf(seen, now) };
      // Like status: the newest invitation is the onboarding under way.
      const newest = seen.find((i) => i.id === newestId) ?? (await deps.invitations.get(tenant.tenantId, newestId));
      return { tenant, onboarding: onboardingOf(newest ? [newest] : seen, now) };
    }),
  );
}
