import type { EntraErrorKind } from './entraErrorBodies';
import { normalizeResource } from './resourceConsents';

/** A forced answer to refresh-token redemptions in one tenant, optionally only for one user or one resource. */
export interface RefreshFailureSwitch {
  code: number;
  kind: EntraErrorKind;
  /** Only this user's redemptions (the UPN, as the control API was given it). */
  upn?: string;
  userOid?: string;
  /** Only redemptions for this resource (normalized, e.g. `https://graph.microsoft.com`). */
  resource?: string;
  /** Only the next so many matching redemptions; undefined: until cleared. */
  remaining?: number;
}

/**
 * The control API's per-tenant refresh-failure switches. A redemption that passes every real check (the token is
 * known, alive, not revoked; the account and the tenant exist) is then answered with the most specific matching
 * switch — user and resource, then user, then resource, then the whole tenant — instead of tokens.
 */
export class RefreshFailureSwitches {
  private readonly byTenant = new Map<string, RefreshFailureSwitch[]>();

  /** Sets a switch, replacing one with the same scope (tenant, user, resource). */
  set(tenantId: string, entry: RefreshFailureSwitch): void {
    const key = tenantId.toLowerCase();
    const normalized = { ...entry, resource: entry.resource === undefined ? undefined : normalizeResource(entry.resource) };
    const others = (this.byTenant.get(key) ?? []).filter((existing) => !sameScope(existing, normalized));
    this.byTenant.set(key, [...others, normalized]);
  }

  /** Clears the tenant's switches (only the user's, when one is named); returns how many went. */
  clear(tenantId: string, userOid?: string): number {
    const key = tenantId.toLowerCase();
    const entries = this.byTenant.get(key) ?? [];
    const kept = userOid === undefined ? [] : entries.filter((entry) => entry.userOid !== userOid);
    if (kept.length === 0) this.byTenant.delete(key);
    else this.byTenant.set(key, kept);
    return entries.length - kept.length;
  }

  clearAll(): void {
    this.byTenant.clear();
  }

  list(tenantId: string): RefreshFailureSwitch[] {
    return (this.byTenant.get(tenantId.toLowerCase()) ?? []).map((entry) => ({ ...entry }));
  }

  /** The switch that answers this redemption, counted as used; undefined when none matches. */
  take(tenantId: string, userOid: string, resource: string): RefreshFailureSwitch | undefined {
    const key = tenantId.toLowerCase();
    const entries = this.byTenant.get(key);
    if (!entries) return undefined;
    const wanted = normalizeResource(resource);
    const matching = entries.filter(
      (entry) => (entry.userOid === undefined || entry.userOid === userOid) && (entry.resource === undefined || entry.resource === wanted),
    );
    if (matching.length === 0) return undefined;
    const specificity = (entry: RefreshFailureSwitch) => (entry.userOid ? 2 : 0) + (entry.resource ? 1 : 0);
    const chosen = matching.reduce((best, entry) => (specificity(entry) > specificity(best) ? entry : best));
    if (chosen.remaining !== undefined) {
      chosen.remaining -= 1;
      if (chosen.remaining <= 0) {
        const kept = entries.filter((entry) => entry !== chosen);
        if (kept.length === 0) this.byTenant.delete(key);
        else this.byTenant.set(key, kept);
      }
    }
    return { ...chosen };
  }
}

function sameScope(a: RefreshFailureSwitch, b: RefreshFailureSwitch): boolean {
  return a.userOid === b.userOid && a.resource === b.resource;
}
