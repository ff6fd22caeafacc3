import type { Container } from '@azure/cosmos';
import type { CustomerTenant } from '../../domain/tenant';
import type { TenantStore } from '../../usecases/ports';
import { createIfAbsent, readItem, updateIfMatch, withoutSystemProperties } from './conditionalWrite';
import type { Mutation, Versioned } from '../../usecases/ports';
import type { Stored } from './conditionalWrite';

interface DomainAlias {
  readonly id: string;
  readonly tenantId: string;
}

/** Domains whose tenant this process has looked up: a bound on memory, not a freshness rule. */
const DOMAIN_CACHE_LIMIT = 10_000;

const ownsDomain = (t: CustomerTenant, domain: string) =>
  t.domain?.toLowerCase() === domain || (t.domains ?? []).some((d) => d.toLowerCase() === domain);

export class TenantRepository implements TenantStore {
  /**
   * A domain's tenant id is a fact that does not change (a verified domain belongs to one tenant),
   * so it is remembered; the tenant itself, which does change, is read every time. Should a domain
   * ever move, the tenant read no longer lists it and the index is asked again.
   */
  private readonly tenantOfDomain = new Map<string, string>();

  constructor(private readonly container: Container, private readonly domains: Container) {}

  async get(tenantId: string): Promise<CustomerTenant | undefined> {
    const doc = await readItem<CustomerTenant>(this.container, tenantId, tenantId);
    return doc && withoutSystemProperties(doc);
  }

  /** Looks a tenant up by one of its domains: one point read once the domain's tenant id is known, two before. */
  async findByDomain(domain: string): Promise<CustomerTenant | undefined> {
    const known = this.tenantOfDomain.get(domain);
    if (known !== undefined) {
      const tenant = await this.get(known);
      if (tenant && ownsDomain(tenant, domain)) return tenant;
      this.tenantOfDomain.delete(domain);
    }
    const alias = await readItem<DomainAlias>(this.domains, domain, domain);
    if (!alias) return undefined;
    const tenant = await this.get(alias.tenantId);
    if (tenant && ownsDomain(tenant, domain)) this.remember(domain, tenant.tenantId);
    return tenant;
  }

  private remember(domain: string, tenantId: string): void {
    if (this.tenantOfDomain.size >= DOMAIN_CACHE_LIMIT) this.tenantOfDomain.delete(this.tenantOfDomain.keys().next().value!);
    this.tenantOfDomain.set(domain, tenantId);
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

  update<F = never>(tenantId: string, mutate: (t: CustomerTenant) => Mutation<CustomerTenant, F>, known?: Versioned<CustomerTenant>) {
    return updateIfMatch<CustomerTenant, F>(this.container, tenantId, tenantId, mutate, 5, known);
  }

  /**
   * A sweep's page: keyset pagination on the tenant id (the cursor is a plain id, so a runner that
   * takes over can start anywhere), token-mode tenants only, each with its etag for the sweep's
   * conditional write. Cross-partition (a query plan, then the query).
   */
  async listForSweep(after: string | undefined, limit: number): Promise<Versioned<CustomerTenant>[]> {
    const { resources } = await this.container.items
      .query<Stored<CustomerTenant>>({
        query: 'SELECT TOP @limit * FROM c WHERE c.authMode = @mode AND c.tenantId > @after ORDER BY c.tenantId',
        parameters: [
          { name: '@limit', value: limit },
          { name: '@mode', value: 'token' },
          { name: '@after', value: after ?? '' },
        ],
      })
      .fetchAll();
    return resources.map((r) => ({ value: withoutSystemProperties(r), version: r._etag! }));
  }

  /** Every tenant, by name. The `tenants` view is inherently cross-partition. */
  async list(limit = 500): Promise<CustomerTenant[]> {
    const { resources } = await this.container.items
      .query<CustomerTenant>({ query: 'SELECT TOP @limit * FROM c ORDER BY c.displayName', parameters: [{ name: '@limit', value: limit }] })
      .fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
  }
}
