/** Provider staff roles. Default deny: no role, no command. */
export type Role = 'viewer' | 'operator' | 'admin';

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(held: Role | undefined, needed: Role): boolean {
  return held !== undefined && RANK[held] >= RANK[needed];
}

export interface StaffMember {
  readonly id: string;
  readonly role: Role;
  readonly addedBy: string;
  readonly addedAt: string;
  /** As Teams showed the person when the role was given (the roster), for the staff list; never used to decide. */
  readonly displayName?: string;
  readonly upn?: string;
}

/** What the Teams roster told about a person, besides their object id. */
export interface StaffProfile {
  readonly displayName?: string;
  readonly upn?: string;
  /** Their Entra tenant, when the roster says: someone of another organization can hold no role. */
  readonly tenantId?: string;
}

export interface Actor {
  readonly aadObjectId: string;
  readonly tenantId: string;
  readonly name?: string;
}

/**
 * Who did something, as the audit log records it: a staff member (their Entra identity), the
 * customer's admin (known by the invited address, in the customer's tenant), the customer's consent
 * reviewer, or the service itself. Never a made-up object id.
 */
export type AuditActor =
  | { readonly kind: 'staff'; readonly aadObjectId: string; readonly tenantId?: string; readonly name?: string }
  | { readonly kind: 'customer-admin'; readonly email: string; readonly tenantId: string }
  | { readonly kind: 'reviewer'; readonly tenantId: string; readonly tenantName?: string }
  | { readonly kind: 'system'; readonly reason: string };

/** A staff member acting, as the audit log records them. */
export const staffActor = (actor: Actor): AuditActor => ({ kind: 'staff', aadObjectId: actor.aadObjectId, tenantId: actor.tenantId, name: actor.name });
