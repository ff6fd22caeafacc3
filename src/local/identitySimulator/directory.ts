/** A person the simulator can sign in. `role` decides whether they can sign in without an admin's consent. */
export interface SimulatedUser {
  upn: string;
  displayName: string;
  oid: string;
  role?: 'global-admin' | 'service-account';
}

export interface SimulatedTenant {
  tenantId: string;
  domain: string;
  displayName: string;
  users: SimulatedUser[];
  /**
   * As in a tenant where users may not consent to apps themselves (the default for customer tenants the bot
   * works with): anyone but a global admin needs an admin's consent for the client first. Default true.
   */
  adminConsentRequired?: boolean;
}

export interface SimulatedDirectory {
  tenants: SimulatedTenant[];
}

/** Authority path segments that name no single tenant. */
export const MULTI_TENANT_SEGMENTS = ['common', 'organizations'] as const;

export type TenantLookup =
  | { kind: 'tenant'; tenant: SimulatedTenant }
  | { kind: 'multi-tenant'; segment: (typeof MULTI_TENANT_SEGMENTS)[number] }
  | { kind: 'unknown' };

/**
 * A tenant that has apps but no users: Bot Framework's own (`botframework.com`), where MultiTenant bots get
 * their token for the Bot Connector. Only discovery and the client-credentials grant know it (through
 * `lookupAuthority`); every user-facing route goes through `lookup`, so a sign-in there stays an unknown tenant.
 */
export interface ServiceTenant {
  tenantId: string;
  domain: string;
  displayName: string;
}

/** Bot Framework's real tenant id, so a token's `tid` and issuer look like the connector expects. */
export const BOT_FRAMEWORK_TENANT: ServiceTenant = {
  tenantId: 'd6d49420-f39b-4df7-a1dc-d59a935871db',
  domain: 'botframework.com',
  displayName: 'Bot Framework',
};

const SERVICE_TENANTS: readonly ServiceTenant[] = [BOT_FRAMEWORK_TENANT];

/** What an authority segment names when apps (not users) are asking: `TenantLookup` plus the service tenants. */
export type AuthorityLookup = TenantLookup | { kind: 'service'; tenant: ServiceTenant };

export interface UserInTenant {
  user: SimulatedUser;
  tenant: SimulatedTenant;
}

/**
 * What an administrator can do to an account in Entra, as the simulator plays it. `disabled` (accountEnabled
 * false) and `deleted` are directory states; `locked` stands for Entra's smart lockout. Each makes token issuance
 * fail (AADSTS50057, 50053, 50034); see `ACCOUNT_STATE_ERRORS` in the token endpoint.
 */
export const ACCOUNT_STATES = ['enabled', 'disabled', 'locked', 'deleted'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/** A deleted tenant is gone for Entra (AADSTS90002 at every authority that names it) and for Graph. */
export const TENANT_STATES = ['active', 'deleted'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

/** A domain as Graph's `organization.verifiedDomains` lists it. */
export interface VerifiedDomain {
  name: string;
  isDefault: boolean;
  isInitial: boolean;
}

/** An account with the states that decide whether Entra still issues tokens for it. */
export interface AccountRecord {
  user: SimulatedUser;
  tenant: SimulatedTenant;
  accountState: AccountState;
  tenantState: TenantState;
}

export type DirectoryChange = { ok: true } | { ok: false; reason: string };

interface TenantRecord {
  /** The directory's own copy: renaming it renames it everywhere, as in Entra. */
  tenant: SimulatedTenant;
  state: TenantState;
  /** Domains besides the initial `*.onmicrosoft.com` one (which Entra never lets go), lower case. */
  customDomains: string[];
  /** Lower case. */
  defaultDomain: string;
  /** Made by the seeding call for benchmarks: left out of the pages people read. */
  seeded: boolean;
  users: Map<string, SimulatedUser>;
  accountStates: Map<string, AccountState>;
}

const DOMAIN_PATTERN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * The simulated tenants, indexed by id, every verified domain and user principal name (ids, domains and UPNs
 * match case-insensitively, as Entra's do), with the states the control API changes: an account disabled,
 * locked or deleted; a tenant deleted; an organization renamed or given other domains. Indexed because the
 * seeding call for benchmarks puts tens of thousands of tenants here.
 */
export class TenantDirectory {
  private readonly records: TenantRecord[] = [];
  private readonly byId = new Map<string, TenantRecord>();
  private readonly byDomain = new Map<string, TenantRecord>();
  private readonly byUpn = new Map<string, { record: TenantRecord; user: SimulatedUser }>();

  constructor(directory: SimulatedDirectory) {
    for (const tenant of directory.tenants) {
      const added = this.addTenant(tenant);
      if (!added.ok) throw new Error(`Invalid simulated directory: ${added.reason}`);
    }
  }

  /** Every tenant that still exists, seeded ones included, in the order they were added. */
  get tenants(): readonly SimulatedTenant[] {
    return this.records.filter((record) => record.state === 'active').map((record) => record.tenant);
  }

  /** The tenants people see on the simulator's pages: not deleted, not seeded for a benchmark. */
  listedTenants(): readonly SimulatedTenant[] {
    return this.records.filter((record) => record.state === 'active' && !record.seeded).map((record) => record.tenant);
  }

  get size(): number {
    return this.records.length;
  }

  /** Resolves an authority path segment: a tenant id, a verified domain, `common` or `organizations`. */
  lookup(segment: string): TenantLookup {
    const wanted = segment.toLowerCase();
    const multi = MULTI_TENANT_SEGMENTS.find((name) => name === wanted);
    if (multi) return { kind: 'multi-tenant', segment: multi };
    const record = this.recordOf(wanted);
    return record && record.state === 'active' ? { kind: 'tenant', tenant: record.tenant } : { kind: 'unknown' };
  }

  /** Like `lookup`, but also knows the service tenants: for discovery and app-only (client-credentials) tokens. */
  lookupAuthority(segment: string): AuthorityLookup {
    const found = this.lookup(segment);
    if (found.kind !== 'unknown') return found;
    const wanted = segment.toLowerCase();
    const service = SERVICE_TENANTS.find((candidate) => candidate.tenantId === wanted || candidate.domain === wanted);
    return service ? { kind: 'service', tenant: service } : found;
  }

  /** A tenant that still exists, by id or domain. */
  tenantById(tenantId: string): SimulatedTenant | undefined {
    const record = this.recordOf(tenantId.toLowerCase());
    return record && record.state === 'active' ? record.tenant : undefined;
  }

  /** For the control API: a tenant by id or any of its domains, deleted or not. */
  findTenant(segment: string): { tenant: SimulatedTenant; state: TenantState } | undefined {
    const record = this.recordOf(segment.toLowerCase());
    return record ? { tenant: record.tenant, state: record.state } : undefined;
  }

  /** The account, whatever its state or its tenant's: callers decide what a disabled account may still do. */
  userByUpn(upn: string): UserInTenant | undefined {
    const found = this.byUpn.get(upn.toLowerCase());
    return found ? { user: found.user, tenant: found.record.tenant } : undefined;
  }

  /** A user of a tenant that still exists. */
  userByOid(tenantId: string, oid: string): SimulatedUser | undefined {
    const record = this.recordOf(tenantId.toLowerCase());
    return record && record.state === 'active' ? record.users.get(oid) : undefined;
  }

  /** The account and the states token issuance depends on; undefined only if it never existed. */
  account(tenantId: string, oid: string): AccountRecord | undefined {
    const record = this.recordOf(tenantId.toLowerCase());
    const user = record?.users.get(oid);
    if (!record || !user) return undefined;
    return { user, tenant: record.tenant, accountState: record.accountStates.get(oid) ?? 'enabled', tenantState: record.state };
  }

  accountState(tenantId: string, oid: string): AccountState {
    return this.recordOf(tenantId.toLowerCase())?.accountStates.get(oid) ?? 'enabled';
  }

  setAccountState(upn: string, state: AccountState): DirectoryChange {
    const found = this.byUpn.get(upn.toLowerCase());
    if (!found) return { ok: false, reason: 'unknown-user' };
    if (state === 'enabled') found.record.accountStates.delete(found.user.oid);
    else found.record.accountStates.set(found.user.oid, state);
    return { ok: true };
  }

  setTenantState(segment: string, state: TenantState): DirectoryChange {
    const record = this.recordOf(segment.toLowerCase());
    if (!record) return { ok: false, reason: 'unknown-tenant' };
    record.state = state;
    return { ok: true };
  }

  isSeeded(tenantId: string): boolean {
    return this.recordOf(tenantId.toLowerCase())?.seeded ?? false;
  }

  /** `organization.verifiedDomains`: the initial domain first, then the custom ones, one of them the default. */
  verifiedDomains(tenant: SimulatedTenant): VerifiedDomain[] {
    const record = this.recordOf(tenant.tenantId.toLowerCase());
    if (!record) return [{ name: tenant.domain, isDefault: true, isInitial: true }];
    const names = [record.tenant.domain, ...record.customDomains];
    return names.map((name, index) => ({
      name,
      isDefault: name.toLowerCase() === record.defaultDomain,
      isInitial: index === 0,
    }));
  }

  /**
   * What an admin does under Settings > Domain names and the organization's properties: a new display name,
   * the custom domains (replacing the old ones; the initial domain always stays), which one is the default.
   * Authorities resolve the new domains at once and stop resolving removed ones.
   */
  changeOrganization(segment: string, change: { displayName?: string; domains?: string[]; defaultDomain?: string }): DirectoryChange {
    const record = this.recordOf(segment.toLowerCase());
    if (!record) return { ok: false, reason: 'unknown-tenant' };
    const initial = record.tenant.domain.toLowerCase();
    const domains = change.domains?.map((domain) => domain.trim().toLowerCase()).filter((domain) => domain !== initial);
    if (domains) {
      const bad = domains.find((domain) => !DOMAIN_PATTERN.test(domain));
      if (bad !== undefined) return { ok: false, reason: 'invalid-domain' };
      if (new Set(domains).size !== domains.length) return { ok: false, reason: 'duplicate-domain' };
      const taken = domains.find((domain) => {
        const owner = this.byDomain.get(domain);
        return owner !== undefined && owner !== record;
      });
      if (taken !== undefined) return { ok: false, reason: 'domain-in-another-tenant' };
    }
    const allDomains = [initial, ...(domains ?? record.customDomains)];
    // A removed default falls back to the initial domain, as Entra does.
    const defaultDomain = (change.defaultDomain ?? (allDomains.includes(record.defaultDomain) ? record.defaultDomain : initial)).toLowerCase();
    if (!allDomains.includes(defaultDomain)) return { ok: false, reason: 'default-domain-not-verified' };
    if (domains) {
      for (const old of record.customDomains) this.byDomain.delete(old.toLowerCase());
      record.customDomains = domains;
      for (const domain of domains) this.byDomain.set(domain, record);
    }
    record.defaultDomain = defaultDomain;
    if (change.displayName !== undefined) record.tenant.displayName = change.displayName;
    return { ok: true };
  }

  /** Adds a tenant (a copy of it), refusing ids, domains or user principal names already in use. */
  addTenant(tenant: SimulatedTenant, options: { seeded?: boolean } = {}): DirectoryChange {
    const id = tenant.tenantId.toLowerCase();
    const domain = tenant.domain.toLowerCase();
    if (this.byId.has(id)) return { ok: false, reason: `tenant id ${tenant.tenantId} is already in use` };
    if (this.byDomain.has(domain)) return { ok: false, reason: `domain ${tenant.domain} is already in use` };
    const upns = tenant.users.map((user) => user.upn.toLowerCase());
    if (new Set(upns).size !== upns.length || upns.some((upn) => this.byUpn.has(upn))) {
      return { ok: false, reason: 'user principal names must be unique' };
    }
    const copy: SimulatedTenant = { ...tenant, users: tenant.users.map((user) => ({ ...user })) };
    const record: TenantRecord = {
      tenant: copy,
      state: 'active',
      customDomains: [],
      defaultDomain: domain,
      seeded: options.seeded ?? false,
      users: new Map(copy.users.map((user) => [user.oid, user])),
      accountStates: new Map(),
    };
    this.records.push(record);
    this.byId.set(id, record);
    this.byDomain.set(domain, record);
    for (const user of copy.users) this.byUpn.set(user.upn.toLowerCase(), { record, user });
    return { ok: true };
  }

  private recordOf(wanted: string): TenantRecord | undefined {
    return this.byId.get(wanted) ?? this.byDomain.get(wanted);
  }
}

/**
 * The directory local mode starts with: two customers the provider onboards (Contoso, Fabrikam), each with a
 * global admin and a service account that needs admin consent, and a third tenant whose accounts show what
 * happens when someone signs in with an account from the wrong organization. Ids are fixed so docs can name them.
 */
export function defaultSimulatedDirectory(): SimulatedDirectory {
  return {
    tenants: [
      {
        tenantId: '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60',
        domain: 'contoso.onmicrosoft.com',
        displayName: 'Contoso',
        users: [
          {
            upn: 'megan.bowen@contoso.onmicrosoft.com',
            displayName: 'Megan Bowen',
            oid: '0b7e6d5c-4a3b-4c2d-8e1f-a1b2c3d4e501',
            role: 'global-admin',
          },
          {
            upn: 'svc-tenantaccess@contoso.onmicrosoft.com',
            displayName: 'Tenant Access service account',
            oid: '0b7e6d5c-4a3b-4c2d-8e1f-a1b2c3d4e502',
            role: 'service-account',
          },
        ],
      },
      {
        tenantId: '2a9d8c7b-6e5f-4a3b-8c1d-0e9f8a7b6c50',
        domain: 'fabrikam.onmicrosoft.com',
        displayName: 'Fabrikam',
        users: [
          {
            upn: 'alex.wilber@fabrikam.onmicrosoft.com',
            displayName: 'Alex Wilber',
            oid: '1c8f7e6d-5b4a-4d3e-9f2a-b2c3d4e5f601',
            role: 'global-admin',
          },
          {
            upn: 'svc-tenantaccess@fabrikam.onmicrosoft.com',
            displayName: 'Tenant Access service account',
            oid: '1c8f7e6d-5b4a-4d3e-9f2a-b2c3d4e5f602',
            role: 'service-account',
          },
        ],
      },
      {
        tenantId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c60',
        domain: 'northwind.onmicrosoft.com',
        displayName: 'Northwind Traders (another organization)',
        users: [
          {
            upn: 'diego.siciliani@northwind.onmicrosoft.com',
            displayName: 'Diego Siciliani',
            oid: '2d9a8f7e-6c5b-4e4f-8a3b-c3d4e5f6a701',
            role: 'global-admin',
          },
        ],
      },
    ],
  };
}
