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

/** Read-only lookups over the configured tenants; ids and domains match case-insensitively, as Entra's do. */
export class TenantDirectory {
  constructor(private readonly directory: SimulatedDirectory) {}

  get tenants(): readonly SimulatedTenant[] {
    return this.directory.tenants;
  }

  /** Resolves an authority path segment: a tenant id, a verified domain, `common` or `organizations`. */
  lookup(segment: string): TenantLookup {
    const wanted = segment.toLowerCase();
    const multi = MULTI_TENANT_SEGMENTS.find((name) => name === wanted);
    if (multi) return { kind: 'multi-tenant', segment: multi };
    const tenant = this.directory.tenants.find(
      (candidate) => candidate.tenantId.toLowerCase() === wanted || candidate.domain.toLowerCase() === wanted,
    );
    return tenant ? { kind: 'tenant', tenant } : { kind: 'unknown' };
  }

  /** Like `lookup`, but also knows the service tenants: for discovery and app-only (client-credentials) tokens. */
  lookupAuthority(segment: string): AuthorityLookup {
    const found = this.lookup(segment);
    if (found.kind !== 'unknown') return found;
    const wanted = segment.toLowerCase();
    const service = SERVICE_TENANTS.find((candidate) => candidate.tenantId === wanted || candidate.domain === wanted);
    return service ? { kind: 'service', tenant: service } : found;
  }

  tenantById(tenantId: string): SimulatedTenant | undefined {
    const lookup = this.lookup(tenantId);
    return lookup.kind === 'tenant' ? lookup.tenant : undefined;
  }

  userByUpn(upn: string): UserInTenant | undefined {
    const wanted = upn.toLowerCase();
    for (const tenant of this.directory.tenants) {
      const user = tenant.users.find((candidate) => candidate.upn.toLowerCase() === wanted);
      if (user) return { user, tenant };
    }
    return undefined;
  }

  userByOid(tenantId: string, oid: string): SimulatedUser | undefined {
    return this.tenantById(tenantId)?.users.find((user) => user.oid === oid);
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
