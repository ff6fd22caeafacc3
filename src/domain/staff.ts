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
}

export interface Actor {
  readonly aadObjectId: string;
  readonly tenantId: string;
  readonly name?: string;
}
