import type { Container } from '@azure/cosmos';
import type { CustomerTenant } from '../../domain/tenant';
import type { TenantStore } from '../../usecases/ports';
import { createIfAbsent, readItem, updateIfMatch, withoutSystemProperties } from './conditionalWrite';
import { Mutation } from '../../usecases/ports';

interface DomainAlias {
  readonly id: string;
  readonly tenantId: string;
}

export class TenantRepository implements TenantStore {
  constructor(private readonly container: Container, private readonly domains: Container) {}

  async get(tenantId: string): Promise<CustomerTenant | undefined> {
    const doc = await readItem<CustomerTenant>(this.container, tenantId, tenantId);
    return doc && withoutSystemProperties(doc);
  }

  /** Looks a tenant up by one of its domains: two point reads through the domain index. */
  async findByDomain(domain: string): Promise<CustomerTenant | undefined> {
    const alias = await readItem<DomainAlias>(this.domains, domain, domain);
    return alias ? this.get(alias.tenantId) : undefined;
  }

  /** Records that a domain belongs to a tenant (idempotent; the last sign-in's answer wins). */
  async addDomain(domain: string, tenantId: string): Promise<void> {
    await this.domains.items.upsert<DomainAlias>({ id: domain, tenantId });
  }

  /** Creates the tenant unless it exists; returns what is stored either way. The domain index is written first, so a crash leaves no tenant unfindable. */
  async ensure(tenant: CustomerTenant): Promise<{ tenant: CustomerTenant; created: boolean }> {
    if (tenant.domain) await this.addDomain(tenant.domain, tenant.tenantId);
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
