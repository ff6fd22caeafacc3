import { randomUUID } from 'node:crypto';
import type { SimulatedTenant } from './directory';
import type { SimulatorState } from './state';

/** One seeding call makes at most this many tenants; the directory holds at most `MAX_DIRECTORY_TENANTS`. */
export const MAX_SEED_COUNT = 20_000;
export const MAX_DIRECTORY_TENANTS = 100_000;

/** The scope the seeded refresh tokens were "signed in" with: what the bot asks for, Graph with offline access. */
export const SEED_SCOPE = 'https://graph.microsoft.com/.default offline_access openid profile';

export const SEED_COLUMNS = ['tenantId', 'domain', 'userOid', 'upn', 'refreshToken'] as const;
export type SeededRow = [tenantId: string, domain: string, userOid: string, upn: string, refreshToken: string];

export interface SeedRequest {
  count: number;
  /** The public client the refresh tokens are bound to (the bot's client id). */
  clientId: string;
  /** Domains become `<prefix>-00001.onmicrosoft.com`; default `seed<batch>`. Lower-case letters, digits, dashes. */
  prefix?: string;
  /** Resources each tenant has consented to besides Graph (e.g. the Teams admin API), with their configured permissions. */
  resources?: string[];
}

export type SeedResult =
  | { ok: true; columns: typeof SEED_COLUMNS; rows: SeededRow[] }
  | { ok: false; reason: 'too-many' | 'directory-full' | 'unknown-client' | 'invalid-prefix' | 'domain-in-use' };

const PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$/;
const batches = new WeakMap<SimulatorState, number>();

/**
 * Makes `count` tenants, each with one global admin who has "signed in" to `clientId` just now: a refresh token
 * with the usual 90-day window, Graph consented with the default permissions. For benchmarks that need thousands
 * of onboarded tenants without thousands of device-code sign-ins. The tenants answer every endpoint like the
 * configured ones but stay off the simulator's pages.
 */
export function seedTenants(state: SimulatorState, request: SeedRequest): SeedResult {
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_SEED_COUNT) return { ok: false, reason: 'too-many' };
  if (state.directory.size + request.count > MAX_DIRECTORY_TENANTS) return { ok: false, reason: 'directory-full' };
  if (state.settings.clientIds && !state.settings.clientIds.has(request.clientId)) return { ok: false, reason: 'unknown-client' };
  const batch = (batches.get(state) ?? 0) + 1;
  const prefix = request.prefix ?? `seed${batch}`;
  if (!PREFIX_PATTERN.test(prefix)) return { ok: false, reason: 'invalid-prefix' };
  const width = Math.max(5, String(request.count).length);
  const domainOf = (index: number) => `${prefix}-${String(index).padStart(width, '0')}.onmicrosoft.com`;
  for (let index = 1; index <= request.count; index += 1) {
    if (state.directory.findTenant(domainOf(index))) return { ok: false, reason: 'domain-in-use' };
  }
  batches.set(state, batch);

  const nowMs = state.clock.now().getTime();
  const rows: SeededRow[] = [];
  for (let index = 1; index <= request.count; index += 1) {
    const domain = domainOf(index);
    const tenant: SimulatedTenant = {
      tenantId: randomUUID(),
      domain,
      displayName: `${prefix} tenant ${index}`,
      users: [{ upn: `admin@${domain}`, displayName: `Admin ${index}`, oid: randomUUID(), role: 'global-admin' }],
    };
    const added = state.directory.addTenant(tenant, { seeded: true });
    // Fresh UUIDs and checked domains: only a programming error gets here.
    if (!added.ok) throw new Error(`seeding failed: ${added.reason}`);
    const [user] = tenant.users;
    for (const resource of request.resources ?? []) state.resourceConsents.add(tenant.tenantId, resource);
    const refreshToken = state.refreshTokens.issue({
      clientId: request.clientId,
      userOid: user.oid,
      tenantId: tenant.tenantId,
      scope: SEED_SCOPE,
      nowMs,
      lifetimeSeconds: state.settings.refreshTokenLifetimeSeconds,
    });
    rows.push([tenant.tenantId, domain, user.oid, user.upn, refreshToken]);
  }
  state.logger.info({ event: 'identity-simulator.seeded', count: request.count, prefix }, 'tenants seeded');
  return { ok: true, columns: SEED_COLUMNS, rows };
}
