import type { AdminConsentRecord } from './adminConsents';
import type { SignInOutcome } from './deviceCodes';
import { completeSignIn } from './signIn';
import type { IssuedSecrets, SimulatorState, TokenRequestLogEntry } from './state';

export type ControlResult<Extra = object> = ({ ok: true } & Extra) | { ok: false; reason: string };

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
  /** Revokes every refresh token of the user (70008 on next use). */
  revokeRefreshTokens(upn: string): ControlResult<{ count: number }>;
  /** Makes every refresh token of the user 90 days idle (700082 on next use). */
  expireRefreshTokens(upn: string): ControlResult<{ count: number }>;
  /** Records tenant-wide admin consent, as the adminconsent page's Accept does. `tenant` is an id or a domain. */
  grantAdminConsent(request: { tenant: string; clientId: string; scope?: string }): ControlResult;
  hasAdminConsent(tenant: string, clientId: string): boolean;
  adminConsents(): AdminConsentRecord[];
  /** The next `times` Graph calls answer 429 with Retry-After. */
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
      return { ok: true, count: state.refreshTokens.revokeForUser(account.tenant.tenantId, account.user.oid) };
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
      state.consents.grant({
        tenantId: lookup.tenant.tenantId,
        clientId,
        scope: scope ?? 'https://graph.microsoft.com/.default',
        grantedAt: state.clock.now(),
      });
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
      state.graphThrottle.remaining = times;
      state.graphThrottle.retryAfterSeconds = retryAfterSeconds;
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
