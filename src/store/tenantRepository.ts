import type { Container } from '@azure/cosmos';
import type { CustomerTenant } from '../domain/tenant';
import { createIfAbsent, Mutation, readItem, updateIfMatch, withoutSystemProperties } from './conditionalWrite';

export class TenantRepository {
  constructor(private readonly container: Container) {}

  async get(tenantId: string): Promise<CustomerTenant | undefined> {
    const doc = await readItem<CustomerTenant>(this.container, tenantId, tenantId);
    return doc && withoutSystemProperties(doc);
  }

  /** Looks a tenant up by one of its domains. Crosses partitions: domains are a secondary key. */
  async findByDomain(domain: string): Promise<CustomerTenant | undefined> {
    const { resources } = await this.container.items
      .query<CustomerTenant>({ query: 'SELECT TOP 1 * FROM c WHERE c.domain = @domain', parameters: [{ name: '@domain', value: domain }] })
      .fetchAll();
    return resources[0] && withoutSystemProperties(resources[0]);
  }

  /** Creates the tenant unless it exists; returns what is stored either way. */
  async ensure(tenant: CustomerTenant): Promise<{ tenant: CustomerTenant; created: boolean }> {
    const created = await createIfAbsent(this.container, tenant);
    if (created) return { tenant, created };
    const existing = await this.get(tenant.id);
    return { tenant: existing ?? tenant, created: false };
  }

  update<F = never>(tenantId: string, mutate: (t: CustomerTenant) => Mutation<CustomerTenant, F>) {
    return updateIfMatch<CustomerTenant, F>(this.container, tenantId, tenantId, mutate);
  }

  /** Every tenant, by name. The `tenants` view is inherently cross-partition. */
  async list(limit = 500): Promise<CustomerTenant[]> {
    const { resources } = await this.container.items
      .query<CustomerTenant>({ query: 'SELECT TOP @limit * FROM c ORDER BY c.displayName', parameters: [{ name: '@limit', value: limit }] })
      .fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
  }
}
