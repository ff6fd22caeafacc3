export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** The Skype and Teams Tenant Admin API, which a voice provider needs beside Graph. */
export const TEAMS_ADMIN_RESOURCE = 'https://api.interfaces.records.teams.microsoft.com';

/** Entra names a resource by its identifier URI or its app id; both mean the same service principal. */
const RESOURCE_ALIASES: Record<string, string> = {
  '00000003-0000-0000-c000-000000000000': GRAPH_RESOURCE,
  '48ac35b8-9aa8-4d74-927d-1f4a14a0b239': TEAMS_ADMIN_RESOURCE,
};

/** Scopes that name no resource. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/** One resource a tenant has consented the app to, with the delegated permissions granted on it. */
export interface ResourceConsent {
  resource: string;
  permissions: string[];
}

export function normalizeResource(resource: string): string {
  const lower = resource.trim().toLowerCase().replace(/\/+$/, '');
  return RESOURCE_ALIASES[lower] ?? lower;
}

/**
 * Which resources each tenant has consented the app to (Entra's oauth2PermissionGrants, one per resource), and
 * with which permissions. Every tenant starts with Graph and the configured default permissions, as if it had
 * been onboarded already; a device-code sign-in or an admin consent adds what it asked for; the control API
 * grants, narrows or removes. A refresh-token redemption for a resource (or a named permission) outside the
 * grant answers AADSTS65001, which is how a removed consent shows. Kept per tenant, not per app: the simulator
 * plays one customer-facing app at a time.
 */
export class ResourceConsents {
  private readonly byTenant = new Map<string, Map<string, Set<string>>>();

  constructor(
    private readonly defaultGraphPermissions: readonly string[],
    /** What a consent "to the app" means for a resource: the permissions the app registration lists for it. */
    private readonly configuredPermissions: (resource: string) => readonly string[],
  ) {}

  /** The granted permissions, or undefined when the tenant has not consented to the resource at all. */
  permissions(tenantId: string, resource: string): readonly string[] | undefined {
    const granted = this.grantsOf(tenantId).get(normalizeResource(resource));
    return granted ? [...granted] : undefined;
  }

  /** Adds permissions to the grant (creating it): what a sign-in or an admin consent does. */
  add(tenantId: string, resource: string, permissions?: readonly string[]): void {
    const key = normalizeResource(resource);
    const grants = this.grantsOf(tenantId);
    const granted = grants.get(key) ?? new Set<string>();
    for (const permission of permissions ?? this.configuredPermissions(key)) granted.add(permission);
    grants.set(key, granted);
  }

  /**
   * What an admin consent to a scope string grants: each `<resource>/.default` the app's permissions on that
   * resource, each `<resource>/<permission>` that permission (a bare permission is Graph's).
   */
  addScope(tenantId: string, scope: string): void {
    for (const item of scope.split(' ').filter((part) => part.length > 0 && !OIDC_SCOPES.has(part.toLowerCase()))) {
      const slash = item.lastIndexOf('/');
      const resource = slash > 0 ? item.slice(0, slash) : GRAPH_RESOURCE;
      const permission = slash > 0 ? item.slice(slash + 1) : item;
      this.add(tenantId, resource, permission === '.default' ? undefined : [permission]);
    }
  }

  /** Replaces the grant: what an admin does when narrowing (or widening) it. */
  replace(tenantId: string, resource: string, permissions?: readonly string[]): void {
    const key = normalizeResource(resource);
    this.grantsOf(tenantId).set(key, new Set(permissions ?? this.configuredPermissions(key)));
  }

  /** Removes the grant altogether; returns whether there was one. */
  remove(tenantId: string, resource: string): boolean {
    return this.grantsOf(tenantId).delete(normalizeResource(resource));
  }

  list(tenantId: string): ResourceConsent[] {
    return [...this.grantsOf(tenantId)].map(([resource, permissions]) => ({ resource, permissions: [...permissions] }));
  }

  private grantsOf(tenantId: string): Map<string, Set<string>> {
    const key = tenantId.toLowerCase();
    let grants = this.byTenant.get(key);
    if (!grants) {
      grants = new Map([[GRAPH_RESOURCE, new Set(this.defaultGraphPermissions)]]);
      this.byTenant.set(key, grants);
    }
    return grants;
  }
}
