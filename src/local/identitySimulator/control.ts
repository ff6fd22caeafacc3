import { MAX_CLOCK_SHIFT_MS } from './adjustableClock';
import type { AdminConsentRecord } from './adminConsents';
import type { SignInOutcome } from './deviceCodes';
import type { AccountState, TenantState, VerifiedDomain } from './directory';
import { REFRESH_FAILURE_KINDS } from './entraErrorBodies';
import { FAULT_SERVICES, FaultChange, FaultService, FaultView } from './faults';
import type { RefreshFailureSwitch } from './refreshFailures';
import type { ResourceConsent } from './resourceConsents';
import { seedTenants, SeedRequest, SeedResult } from './seeding';
import { completeSignIn } from './signIn';
import type { SimulatorStats } from './stats';
import type { IssuedSecrets, SimulatorState, TokenRequestLogEntry } from './state';

export type ControlResult<Extra = object> = ({ ok: true } & Extra) | { ok: false; reason: string };

/** The simulated clock as the control API shows it. */
export interface ClockView {
  now: string;
  nowMs: number;
  /** How far the simulated clock is ahead of the real (or injected) one. */
  offsetMs: number;
}

/** One tenant as the control API shows it: who is in it and every switch set on it. */
export interface TenantView {
  tenantId: string;
  /** The initial `*.onmicrosoft.com` domain. */
  domain: string;
  displayName: string;
  state: TenantState;
  seeded: boolean;
  verifiedDomains: VerifiedDomain[];
  users: { upn: string; oid: string; displayName: string; role?: string; state: AccountState }[];
  consents: ResourceConsent[];
  refreshFailures: Omit<RefreshFailureSwitch, 'kind' | 'userOid'>[];
  faults: Partial<Record<FaultService, FaultView>>;
}

export interface RefreshFailureRequest {
  /** Tenant id or any of its domains. */
  tenant: string;
  /** One of `REFRESH_FAILURE_CODES`. */
  code: number;
  /** Only this user's redemptions. */
  upn?: string;
  /** Only redemptions for this resource (`https://graph.microsoft.com`, the Teams admin API, ...). */
  resource?: string;
  /** Only the next so many matching redemptions; default: until cleared. */
  times?: number;
}

export interface FaultRequest extends FaultChange {
  /** Tenant id or domain; left out: every tenant (and calls no tenant can be told for). */
  tenant?: string;
  /** Default `all`: both. */
  service?: FaultService | 'all';
}

/** The AADSTS codes a refresh-failure switch can answer with. */
export const REFRESH_FAILURE_CODES: readonly number[] = [...REFRESH_FAILURE_KINDS.keys()];

/** What tests (and the JSON API under `/_sim`) can do to the simulated Entra besides the protocol itself. */
export interface IdentitySimulatorControl {
  /** The person signs in at the device-login page with `upn`; `outcome` defaults to 'success'. */
  completeDeviceCode(request: { userCode: string; upn: string; outcome?: SignInOutcome }): ControlResult<{ outcome: SignInOutcome }>;
  /** The person cancels the sign-in: the next poll gets authorization_declined. */
  declineDeviceCode(userCode: string, upn?: string): ControlResult<{ outcome: SignInOutcome }>;
  /** The code's 15 minutes are over: the next poll gets expired_token. */
  expireDeviceCode(userCode: string): ControlResult;
  /** The next `times` polls of the code get slow_down, each adding the slow-down increment to the required gap. */
  slowDownDeviceCode(userCode: string, times?: number): ControlResult;
  /**
   * Revokes every refresh token of the user, as "Revoke sessions" or a password reset does in Entra: AADSTS50173
   * on next use. `count` is how many were still alive.
   */
  revokeRefreshTokens(upn: string): ControlResult<{ count: number }>;
  /** Makes every refresh token of the user 90 days idle without moving the clock: AADSTS70008 on next use. */
  expireRefreshTokens(upn: string): ControlResult<{ count: number }>;
  /** The simulated clock. */
  clock(): ClockView;
  /** Moves the simulated clock by `ms` (negative: back), at most ten years either way. */
  advanceClock(ms: number): ControlResult<{ clock: ClockView }>;
  /** Makes the simulated clock read `now` (it keeps running from there). */
  setClock(now: Date): ControlResult<{ clock: ClockView }>;
  /** Disables, locks, deletes or re-enables an account (AADSTS50057, 50053, 50034 at sign-in and refresh). */
  setAccountState(upn: string, state: AccountState): ControlResult;
  /** Deletes a tenant (AADSTS90002 everywhere, Graph refuses its tokens) or brings it back. */
  setTenantState(tenant: string, state: TenantState): ControlResult;
  /** Renames the organization and/or replaces its custom domains and default domain (the initial one stays). */
  changeOrganization(tenant: string, change: { displayName?: string; domains?: string[]; defaultDomain?: string }): ControlResult<{ tenant: TenantView }>;
  /** Grants a resource to the tenant's consent (replacing its permissions; default: what the app lists for it). */
  grantResourceConsent(request: { tenant: string; resource: string; permissions?: string[] }): ControlResult<{ consents: ResourceConsent[] }>;
  /** Removes the tenant's consent for a resource: AADSTS65001 when a refresh token is redeemed for it. */
  removeResourceConsent(request: { tenant: string; resource: string }): ControlResult<{ consents: ResourceConsent[] }>;
  /** Forces an AADSTS answer on the tenant's refresh-token redemptions (optionally one user's, one resource's). */
  setRefreshFailure(request: RefreshFailureRequest): ControlResult;
  /** Clears the tenant's refresh-failure switches (only the user's, if one is named). */
  clearRefreshFailures(request: { tenant: string; upn?: string }): ControlResult<{ count: number }>;
  /** Sets latency and error answers for Entra and/or Graph, for one tenant or everyone; see `FaultChange`. */
  setFault(request: FaultRequest): ControlResult<{ faults: Partial<Record<FaultService, FaultView>> }>;
  /** Clears one tenant's faults, or every fault (global ones too) when no tenant is named. */
  clearFaults(tenant?: string): ControlResult;
  /** One tenant with its users, consents and switches. */
  describeTenant(tenant: string): ControlResult<{ tenant: TenantView }>;
  /** Makes `count` tenants (at most 20,000), each with a global admin and a refresh token for `clientId`. */
  seedTenants(request: SeedRequest): SeedResult;
  /** Counters: token answers by grant, HTTP answers by route and status, faults applied. */
  stats(): ReturnType<SimulatorStats['snapshot']>;
  resetStats(): void;
  /** Records tenant-wide admin consent, as the adminconsent page's Accept does. `tenant` is an id or a domain. */
  grantAdminConsent(request: { tenant: string; clientId: string; scope?: string }): ControlResult;
  hasAdminConsent(tenant: string, clientId: string): boolean;
  adminConsents(): AdminConsentRecord[];
  /** The next `times` Graph calls (any tenant) answer 429 with Retry-After: a shorthand for `setFault`. */
  throttleGraph(times: number, retryAfterSeconds: number): void;
  /** Device-code polls, oldest first, optionally of one code. */
  pollLog(userCode?: string): TokenRequestLogEntry[];
  /** Every token-endpoint call, oldest first. */
  tokenRequestLog(): TokenRequestLogEntry[];
  /**
   * Read-only: the device codes and tokens handed out so far, in plain text, so a test can scan the bot's
   * stores and logs for them. In-process only: the `/_sim` JSON API does not offer it.
   */
  issuedSecrets(): IssuedSecrets;
}

const DEVICE_CODE_GRANTS = new Set(['device_code', 'urn:ietf:params:oauth:grant-type:device_code']);

export function createSimulatorControl(state: SimulatorState): IdentitySimulatorControl {
  const control: IdentitySimulatorControl = {
    completeDeviceCode(request) {
      const result = completeSignIn(state, request);
      return result.ok ? { ok: true, outcome: result.outcome } : { ok: false, reason: result.reason };
    },
    declineDeviceCode(userCode, upn) {
      const grant = state.deviceCodes.byUserCode(userCode);
      if (!grant) return { ok: false, reason: 'unknown-code' };
      const anyone = upn ?? grant.authorityTenant?.users[0]?.upn ?? state.directory.tenants[0]?.users[0]?.upn ?? '';
      return control.completeDeviceCode({ userCode, upn: anyone, outcome: 'declined' });
    },
    expireDeviceCode(userCode) {
      const grant = state.deviceCodes.byUserCode(userCode);
      if (!grant) return { ok: false, reason: 'unknown-code' };
      grant.forcedExpired = true;
      return { ok: true };
    },
    slowDownDeviceCode(userCode, times = 1) {
      const grant = state.deviceCodes.byUserCode(userCode);
      if (!grant) return { ok: false, reason: 'unknown-code' };
      grant.forcedSlowDowns += times;
      return { ok: true };
    },
    revokeRefreshTokens(upn) {
      const account = state.directory.userByUpn(upn);
      if (!account) return { ok: false, reason: 'unknown-user' };
      const nowMs = state.clock.now().getTime();
      return { ok: true, count: state.refreshTokens.revokeForUser(account.tenant.tenantId, account.user.oid, nowMs) };
    },
    expireRefreshTokens(upn) {
      const account = state.directory.userByUpn(upn);
      if (!account) return { ok: false, reason: 'unknown-user' };
      const nowMs = state.clock.now().getTime();
      return { ok: true, count: state.refreshTokens.expireForUser(account.tenant.tenantId, account.user.oid, nowMs) };
    },
    grantAdminConsent({ tenant, clientId, scope }) {
      const lookup = state.directory.lookup(tenant);
      if (lookup.kind !== 'tenant') return { ok: false, reason: 'unknown-tenant' };
      const consented = scope ?? 'https://graph.microsoft.com/.default';
      state.consents.grant({ tenantId: lookup.tenant.tenantId, clientId, scope: consented, grantedAt: state.clock.now() });
      state.resourceConsents.addScope(lookup.tenant.tenantId, consented);
      return { ok: true };
    },
    hasAdminConsent(tenant, clientId) {
      const lookup = state.directory.lookup(tenant);
      return lookup.kind === 'tenant' && state.consents.has(lookup.tenant.tenantId, clientId);
    },
    adminConsents() {
      return state.consents.list();
    },
    throttleGraph(times, retryAfterSeconds) {
      state.faults.change(undefined, ['graph'], times > 0 ? { status: 429, retryAfterSeconds, times, fraction: null } : { status: null });
    },
    clock() {
      return clockView(state);
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms) || Math.abs(state.clock.offsetMs + ms) > MAX_CLOCK_SHIFT_MS) return { ok: false, reason: 'clock-shift-too-large' };
      state.clock.advance(ms);
      logClock(state);
      return { ok: true, clock: clockView(state) };
    },
    setClock(now) {
      const previous = state.clock.offsetMs;
      state.clock.set(now);
      if (!Number.isFinite(state.clock.offsetMs) || Math.abs(state.clock.offsetMs) > MAX_CLOCK_SHIFT_MS) {
        state.clock.advance(previous - state.clock.offsetMs);
        return { ok: false, reason: 'clock-shift-too-large' };
      }
      logClock(state);
      return { ok: true, clock: clockView(state) };
    },
    setAccountState(upn, accountState) {
      const result = state.directory.setAccountState(upn, accountState);
      if (result.ok) state.logger.info({ event: 'identity-simulator.account-state', accountState }, 'account state changed');
      return result;
    },
    setTenantState(tenant, tenantState) {
      const result = state.directory.setTenantState(tenant, tenantState);
      if (result.ok) state.logger.info({ event: 'identity-simulator.tenant-state', tenantState }, 'tenant state changed');
      return result;
    },
    changeOrganization(tenant, change) {
      const result = state.directory.changeOrganization(tenant, change);
      return result.ok ? control.describeTenant(tenant) : result;
    },
    grantResourceConsent({ tenant, resource, permissions }) {
      const found = state.directory.findTenant(tenant);
      if (!found) return { ok: false, reason: 'unknown-tenant' };
      state.resourceConsents.replace(found.tenant.tenantId, resource, permissions);
      return { ok: true, consents: state.resourceConsents.list(found.tenant.tenantId) };
    },
    removeResourceConsent({ tenant, resource }) {
      const found = state.directory.findTenant(tenant);
      if (!found) return { ok: false, reason: 'unknown-tenant' };
      if (!state.resourceConsents.remove(found.tenant.tenantId, resource)) return { ok: false, reason: 'no-consent-for-resource' };
      return { ok: true, consents: state.resourceConsents.list(found.tenant.tenantId) };
    },
    setRefreshFailure({ tenant, code, upn, resource, times }) {
      const found = state.directory.findTenant(tenant);
      if (!found) return { ok: false, reason: 'unknown-tenant' };
      const kind = REFRESH_FAILURE_KINDS.get(code);
      if (!kind) return { ok: false, reason: 'unsupported-code' };
      let userOid: string | undefined;
      if (upn !== undefined) {
        const account = state.directory.userByUpn(upn);
        if (!account || account.tenant.tenantId !== found.tenant.tenantId) return { ok: false, reason: 'unknown-user' };
        userOid = account.user.oid;
      }
      state.refreshFailures.set(found.tenant.tenantId, { code, kind, upn, userOid, resource, remaining: times });
      return { ok: true };
    },
    clearRefreshFailures({ tenant, upn }) {
      const found = state.directory.findTenant(tenant);
      if (!found) return { ok: false, reason: 'unknown-tenant' };
      const account = upn === undefined ? undefined : state.directory.userByUpn(upn);
      if (upn !== undefined && !account) return { ok: false, reason: 'unknown-user' };
      return { ok: true, count: state.refreshFailures.clear(found.tenant.tenantId, account?.user.oid) };
    },
    setFault({ tenant, service, ...change }) {
      const found = tenant === undefined ? undefined : state.directory.findTenant(tenant);
      if (tenant !== undefined && !found) return { ok: false, reason: 'unknown-tenant' };
      const services = service === undefined || service === 'all' ? FAULT_SERVICES : [service];
      state.faults.change(found?.tenant.tenantId, services, change);
      return { ok: true, faults: state.faults.view(found?.tenant.tenantId) };
    },
    clearFaults(tenant) {
      const found = tenant === undefined ? undefined : state.directory.findTenant(tenant);
      if (tenant !== undefined && !found) return { ok: false, reason: 'unknown-tenant' };
      state.faults.clear(found?.tenant.tenantId);
      return { ok: true };
    },
    describeTenant(tenant) {
      const found = state.directory.findTenant(tenant);
      if (!found) return { ok: false, reason: 'unknown-tenant' };
      const { tenantId } = found.tenant;
      return {
        ok: true,
        tenant: {
          tenantId,
          domain: found.tenant.domain,
          displayName: found.tenant.displayName,
          state: found.state,
          seeded: state.directory.isSeeded(tenantId),
          verifiedDomains: state.directory.verifiedDomains(found.tenant),
          users: found.tenant.users.map((user) => ({
            upn: user.upn,
            oid: user.oid,
            displayName: user.displayName,
            role: user.role,
            state: state.directory.accountState(tenantId, user.oid),
          })),
          consents: state.resourceConsents.list(tenantId),
          refreshFailures: state.refreshFailures.list(tenantId).map(({ kind: _kind, userOid: _oid, ...entry }) => entry),
          faults: state.faults.view(tenantId),
        },
      };
    },
    seedTenants(request) {
      return seedTenants(state, request);
    },
    stats() {
      return state.stats.snapshot();
    },
    resetStats() {
      state.stats.reset();
    },
    pollLog(userCode) {
      const wanted = userCode?.toUpperCase();
      return state.tokenLog
        .filter((entry) => DEVICE_CODE_GRANTS.has(entry.grantType) && entry.userCode !== undefined)
        .filter((entry) => wanted === undefined || entry.userCode === wanted)
        .map((entry) => ({ ...entry }));
    },
    tokenRequestLog() {
      return state.tokenLog.map((entry) => ({ ...entry }));
    },
    issuedSecrets() {
      const { deviceCodes, refreshTokens, accessTokens, idTokens } = state.issued;
      return { deviceCodes: [...deviceCodes], refreshTokens: [...refreshTokens], accessTokens: [...accessTokens], idTokens: [...idTokens] };
    },
  };
  return control;
}

function clockView(state: SimulatorState): ClockView {
  const now = state.clock.now();
  return { now: now.toISOString(), nowMs: now.getTime(), offsetMs: state.clock.offsetMs };
}

function logClock(state: SimulatorState): void {
  state.logger.info({ event: 'identity-simulator.clock', now: state.clock.now().toISOString(), offsetMs: state.clock.offsetMs }, 'simulated clock moved');
}
