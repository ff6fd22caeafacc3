import type { CustomerTenant } from '../../domain/tenant';
import type { TenantStore } from '../ports';

/** The Customer Tenants view: every tenant, with its auth mode and status. */
export function listTenants(deps: { tenants: TenantStore }): Promise<CustomerTenant[]> {
  return deps.tenants.list();
}
