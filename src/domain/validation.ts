import { type EntraErrorInput, explainEntraError, type NextStep } from './entraErrors';
import { quoted } from './plainText';
import type { SignInFailure } from './signInFailures';

/**
 * "Validate Authentication": whether the saved sign-in of a customer tenant still gives us access.
 * A validation runs checks, each with its own result, duration and explanation; the outcome is
 * the portal's "Last Authentication Status" (Successful / Failed), or `incomplete` when Microsoft
 * did not answer (throttled, down, slow) and nothing was learned about the access itself.
 */
export type ValidationOutcome = 'successful' | 'failed' | 'incomplete';

/**
 * - `token`: a new access token through the refresh-token grant (a cached one proves nothing);
 * - `tenant`: Graph `/organization` answers for the customer tenant (its name and domains);
 * - `account`: Graph `/me`: the connection account exists and is enabled;
 * - `permissions`: the token's scopes cover every configured scope;
 * - `resource`: a token for one more resource (VALIDATION_RESOURCES) through the same refresh token.
 */
export type CheckName = 'token' | 'tenant' | 'account' | 'permissions' | 'resource';

/** `not-run`: an earlier check failed (no token to check with), or the validation ran out of time first. */
export type CheckResult = 'passed' | 'failed' | 'incomplete' | 'not-run';

export type ValidationTrigger = 'command' | 'button' | 'sweep';

/** Why a check failed or could not finish, in the error table's shape. */
export interface CheckExplanation {
  readonly code: string;
  readonly title: string;
  readonly cause: string;
  readonly nextStep: NextStep;
  readonly nextStepText: string;
  readonly traceId?: string;
  readonly correlationId?: string;
  /** Where the next step is taken (the admin consent page for missing permissions). */
  readonly link?: string;
}

export interface ValidationCheck {
  readonly check: CheckName;
  /** For `resource` checks: the resource (or scope) asked for. */
  readonly resource?: string;
  readonly result: CheckResult;
  readonly durationMs: number;
  /** What was found, in a line ("a new access token through the refresh token"). */
  readonly detail: string;
  readonly explanation?: CheckExplanation;
  /** `permissions`: the configured scopes the token lacks. */
  readonly missing?: readonly string[];
  /** The service that refused or did not answer. */
  readonly service?: 'entra' | 'graph';
  /** HTTP 429 (throttled), with how long it asked us to wait when it said. */
  readonly throttled?: boolean;
  readonly retryAfterSeconds?: number;
}

/** Another account in the tenant's cache (a Global admin, then a service account): refreshed, or removed when dead. */
export interface OtherAccountResult {
  readonly username: string;
  readonly result: 'refreshed' | 'removed' | 'kept';
  /** Why it was removed, or why it was kept without a refresh. */
  readonly detail?: string;
}

export interface ValidationRecord {
  /** Stable per request: a redelivered request records one validation. */
  readonly id: string;
  readonly tenantId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: ValidationOutcome;
  readonly trigger: ValidationTrigger;
  /** Who asked (a staff member's name or id, or the sweep). */
  readonly by: string;
  /** The connection account validated. */
  readonly account?: string;
  readonly checks: readonly ValidationCheck[];
  readonly otherAccounts: readonly OtherAccountResult[];
  /** Set when Microsoft throttled a check: the sweep waits this long before the tenant's next try. */
  readonly throttled?: { readonly service: 'entra' | 'graph'; readonly retryAfterSeconds?: number };
  /** Seconds; the store's TTL clean-up (Cosmos DB deletes it after this). Reading enforces it too. */
  readonly ttl: number;
}

/** A validation as the tenant keeps it for its status card: no checks, the outcome and its first reason. */
export interface ValidationSummary {
  readonly id: string;
  readonly startedAt: string;
  readonly outcome: ValidationOutcome;
  /** `summaryOf` the validation. */
  readonly summary: string;
  readonly durationMs: number;
  readonly by: string;
  readonly otherAccounts: readonly OtherAccountResult[];
}

/** How many validations the tenant document keeps for `status`. */
export const RECENT_ON_TENANT = 5;

/** The tenant's recent validations with this one first (a redelivered one replaces itself), at most five. */
export function withRecent(recent: readonly ValidationSummary[] | undefined, record: ValidationRecord): ValidationSummary[] {
  const summary: ValidationSummary = { id: record.id, startedAt: record.startedAt, outcome: record.outcome, summary: summaryOf(record), durationMs: record.durationMs, by: record.by, otherAccounts: record.otherAccounts };
  return [summary, ...(recent ?? []).filter((r) => r.id !== record.id)].slice(0, RECENT_ON_TENANT);
}

/** How much history is kept per tenant: the last 50, none older than the retention. */
export const VALIDATION_HISTORY = { perTenant: 50, retentionDays: 90 } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export const VALIDATION_TTL_SECONDS = VALIDATION_HISTORY.retentionDays * 24 * 60 * 60;

/** The oldest start a kept validation may have, at `now`. */
export function historySince(now: Date): string {
  return new Date(now.getTime() - VALIDATION_HISTORY.retentionDays * DAY_MS).toISOString();
}

/** Failed if any check failed; incomplete if any could not finish; successful only when every check passed. */
export function outcomeOf(checks: readonly ValidationCheck[]): ValidationOutcome {
  if (checks.some((c) => c.result === 'failed')) return 'failed';
  if (checks.length === 0 || checks.some((c) => c.result !== 'passed')) return 'incomplete';
  return 'successful';
}

/** The first throttled check, for the sweep's back-off. */
export function throttleOf(checks: readonly ValidationCheck[]): ValidationRecord['throttled'] {
  const throttled = checks.find((c) => c.throttled && c.service);
  return throttled ? { service: throttled.service!, ...(throttled.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: throttled.retryAfterSeconds }) } : undefined;
}

/** One line for the tenant's "last validation": the outcome and, when not successful, the first reason. */
export function summaryOf(record: Pick<ValidationRecord, 'outcome' | 'checks'>): string {
  const first = record.checks.find((c) => c.result === 'failed') ?? record.checks.find((c) => c.result === 'incomplete');
  if (record.outcome === 'successful') return `${record.checks.length} checks passed`;
  return first?.explanation ? `${first.check}: ${first.explanation.title} (${first.explanation.code})` : record.outcome;
}

// --- Scopes -----------------------------------------------------------------------------------

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** The sign-in's own scopes (no resource's permission): never checked, never asked for as a resource. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/**
 * A scope split into its resource and permission: `https://graph.microsoft.com/User.Read`, a bare
 * permission (`User.Read`, Graph's), `<app id>/<permission>`, or a resource alone (a URI without a
 * path, or an app id), which has no permission.
 */
export function splitScope(scope: string): { resource: string; permission?: string } {
  const s = scope.trim().replace(/\/+$/, '');
  const scheme = s.indexOf('://');
  if (scheme > 0) {
    const path = s.indexOf('/', scheme + 3);
    if (path < 0) return { resource: s.toLowerCase() };
    const last = s.lastIndexOf('/');
    return { resource: s.slice(0, last).toLowerCase(), permission: s.slice(last + 1) };
  }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return { resource: s.toLowerCase() };
  const slash = s.indexOf('/');
  if (slash > 0) return { resource: s.slice(0, slash).toLowerCase(), permission: s.slice(slash + 1) };
  return { resource: GRAPH_RESOURCE, permission: s };
}

/** What to ask for to get every permission the tenant consented to on the resource of `resourceOrScope`. */
export function defaultScopeOf(resourceOrScope: string): string {
  return `${splitScope(resourceOrScope).resource}/.default`;
}

/** The configured permissions of `resource` the granted ones lack (case-insensitive), in configured order. */
export function missingPermissions(configured: readonly string[], granted: readonly string[], resource: string = GRAPH_RESOURCE): string[] {
  const have = new Set(granted.map((p) => (splitScope(p).permission ?? '').toLowerCase()));
  return configured
    .filter((s) => !OIDC_SCOPES.has(s.toLowerCase()))
    .map(splitScope)
    .filter((s) => s.resource === resource.toLowerCase() && s.permission !== undefined && s.permission !== '.default')
    .map((s) => s.permission!)
    .filter((p) => !have.has(p.toLowerCase()));
}

// --- Failures ---------------------------------------------------------------------------------

/** Entra codes after which a refresh token never works again (expired, revoked, its account gone). */
const DEAD_REFRESH_CODES = new Set([70008, 700082, 50173, 50132, 50034, 9002313]);
/** MSAL's own words for "there is no usable refresh token". */
const DEAD_CLIENT_CODES = new Set(['no_tokens_found', 'refresh_token_expired']);

/** True when the refresh token behind this failure is dead for good: keeping it would only leave a stale secret. */
export function isDeadRefreshToken(failure: SignInFailure): boolean {
  if (failure.kind === 'client') return DEAD_CLIENT_CODES.has(failure.code);
  if (failure.kind !== 'entra') return false;
  return (failure.error.errorCodes ?? []).some((code) => DEAD_REFRESH_CODES.has(code));
}

/** How a failed refresh reads in a check: Entra's answer about the access (failed), or Microsoft not answering (incomplete). */
export function refreshCheckOf(failure: SignInFailure, retryAfterSeconds?: number): Pick<ValidationCheck, 'result' | 'explanation' | 'service' | 'throttled' | 'retryAfterSeconds'> {
  const wait = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  switch (failure.kind) {
    case 'entra': {
      const busy = (failure.status !== undefined && (failure.status >= 500 || failure.status === 429)) || failure.error.error === 'temporarily_unavailable' || failure.error.error === 'server_error';
      if (busy) return { result: 'incomplete', service: 'entra', throttled: failure.status === 429, explanation: microsoftBusy('entra', failure.status === 429 ? 'throttled' : 'unavailable', failure.status, retryAfterSeconds, failure.error), ...wait };
      return { result: 'failed', service: 'entra', explanation: explanationOf(failure.error) };
    }
    case 'transport': {
      const f = failure.failure;
      const after = f.kind === 'http-status' ? (f.retryAfterSeconds ?? retryAfterSeconds) : retryAfterSeconds;
      const waitFor = after === undefined ? {} : { retryAfterSeconds: after };
      if (f.kind === 'http-status') return { result: 'incomplete', service: 'entra', throttled: f.status === 429, explanation: microsoftBusy('entra', f.status === 429 ? 'throttled' : 'unavailable', f.status, after), ...waitFor };
      if (f.kind === 'timeout') return { result: 'incomplete', service: 'entra', explanation: microsoftBusy('entra', 'timeout', undefined, undefined, undefined, f.timeoutMs) };
      if (f.kind === 'unreachable') return { result: 'incomplete', service: 'entra', explanation: microsoftBusy('entra', 'unreachable') };
      return { result: 'incomplete', service: 'entra', explanation: OUR_SETUP(`the certificate of ${f.host} is not trusted (${f.code})`) };
    }
    case 'client':
      if (DEAD_CLIENT_CODES.has(failure.code)) return { result: 'failed', service: 'entra', explanation: NO_SAVED_SIGN_IN };
      return { result: 'incomplete', explanation: OUR_SETUP(`MSAL stopped before Entra answered (${failure.code})`) };
  }
}

function explanationOf(error: EntraErrorInput): CheckExplanation {
  const e = explainEntraError(error, 'refresh');
  return { code: e.code, title: e.title, cause: e.cause, nextStep: e.nextStep, nextStepText: e.nextStepText, traceId: error.traceId, correlationId: error.correlationId };
}

const SERVICE_NAMES = { entra: 'Microsoft Entra ID', graph: 'Microsoft Graph' } as const;

/** Microsoft did not answer usefully: nothing is known about the access, so validate again later. */
export function microsoftBusy(
  service: 'entra' | 'graph',
  how: 'throttled' | 'unavailable' | 'timeout' | 'unreachable',
  status?: number,
  retryAfterSeconds?: number,
  error?: EntraErrorInput,
  timeoutMs?: number,
): CheckExplanation {
  const name = SERVICE_NAMES[service];
  const wait = retryAfterSeconds === undefined ? 'a minute' : `${retryAfterSeconds} s`;
  const ids = { traceId: error?.traceId, correlationId: error?.correlationId };
  switch (how) {
    case 'throttled':
      return {
        code: 'HTTP 429',
        title: `${name} is throttling requests`,
        cause: `${name} asked us to slow down${retryAfterSeconds === undefined ? ' (without saying for how long)' : ` and to wait ${retryAfterSeconds} s (Retry-After)`}. This says nothing about the customer's access.`,
        nextStep: 'retry',
        nextStepText: `Validate again after ${wait}.`,
        ...ids,
      };
    case 'timeout':
      return { code: 'timeout', title: `${name} did not answer in time`, cause: `${name} gave no answer${timeoutMs === undefined ? '' : ` within ${timeoutMs} ms`}. This says nothing about the customer's access.`, nextStep: 'retry', nextStepText: 'Validate again in a few minutes.', ...ids };
    case 'unreachable':
      return { code: 'unreachable', title: `${name} could not be reached`, cause: `The connection to ${name} failed. This says nothing about the customer's access.`, nextStep: 'retry', nextStepText: 'Validate again in a few minutes.', ...ids };
    case 'unavailable':
      return {
        code: error ? explainEntraError(error, 'refresh').code : status === undefined ? 'unavailable' : `HTTP ${status}`,
        title: `${name} is having trouble`,
        cause: `${name} answered with an error${status === undefined ? '' : ` (HTTP ${status})`}. This says nothing about the customer's access.`,
        nextStep: 'retry',
        nextStepText: `Validate again after ${wait}.`,
        ...ids,
      };
  }
}

const NO_SAVED_SIGN_IN: CheckExplanation = {
  code: 'no_tokens_found',
  title: 'There is no saved sign-in',
  cause: "The tenant's token cache holds no refresh token for the connection account (it was removed, or never saved).",
  nextStep: 'reinvite',
  nextStepText: 'Re-invite the customer admin: a new sign-in saves a new refresh token.',
};

export const OUR_SETUP = (detail: string): CheckExplanation => ({
  code: 'setup',
  title: 'Our service could not run the check',
  cause: `The check stopped on our side: ${detail}. This says nothing about the customer's access.`,
  nextStep: 'check-configuration',
  nextStepText: 'Check the service log and the Entra settings (ENTRA_AUTHORITY_HOST, ENTRA_CLIENT_ID, NODE_EXTRA_CA_CERTS), then validate again.',
});

/** The tenant's sealed cache cannot be opened (a retired key) or names no such account. */
export const SAVED_SIGN_IN_UNREADABLE: CheckExplanation = {
  code: 'cache-unreadable',
  title: 'The saved sign-in cannot be read',
  cause: "The tenant's token cache is sealed with a key this service no longer has (TOKEN_ENCRYPTION_KEY changed without keeping the old key).",
  nextStep: 'reinvite',
  nextStepText: 'Re-invite the customer admin; or put the old key back in TOKEN_ENCRYPTION_KEY (after the active one) and validate again.',
};

export const ACCOUNT_NOT_IN_CACHE = (account: string): CheckExplanation => ({
  code: 'account-not-cached',
  title: 'The connection account is not in the saved sign-in',
  cause: `The token cache holds no sign-in for ${quoted(account)}, the account this tenant is connected with.`,
  nextStep: 'reinvite',
  nextStepText: 'Re-invite the customer admin to sign in again.',
});

/** What Graph's answers mean for the tenant and account checks. */
export const GRAPH_FINDINGS = {
  otherOrganization: (id: string): CheckExplanation => ({
    code: 'other-organization',
    title: 'The token reaches another organization',
    cause: `Microsoft Graph answered for organization ${quoted(id)}, not for this tenant.`,
    nextStep: 'reinvite',
    nextStepText: 'Re-invite an admin of this tenant; the saved sign-in belongs to another organization.',
  }),
  refused: (status: number): CheckExplanation => ({
    code: `HTTP ${status}`,
    title: 'Microsoft Graph refused the new token',
    cause: `Graph answered HTTP ${status} to a token Entra had just issued: the tenant may be gone, or the permission to read it was taken away.`,
    nextStep: 'reinvite',
    nextStepText: "Check the tenant with the customer, then re-invite their admin.",
  }),
  accountDeleted: (account: string): CheckExplanation => ({
    code: 'Request_ResourceNotFound',
    title: 'The connection account no longer exists',
    cause: `Microsoft Graph no longer finds ${quoted(account)} in the customer's organization: it was deleted.`,
    nextStep: 'reinvite',
    nextStepText: 'Re-invite the customer with another admin account.',
  }),
  accountDisabled: (account: string): CheckExplanation => ({
    code: 'accountEnabled=false',
    title: 'The connection account is disabled',
    cause: `Microsoft Graph says ${quoted(account)} is disabled in the customer's organization. Entra stops issuing tokens for it when the current one expires.`,
    nextStep: 'contact-admin',
    nextStepText: "Ask the customer's admin to enable the account, then validate again; or re-invite another admin account.",
  }),
  otherAccount: (expected: string, found: string): CheckExplanation => ({
    code: 'other-account',
    title: 'The token belongs to another account',
    cause: `Microsoft Graph answered for ${quoted(found)}, not for ${quoted(expected)}.`,
    nextStep: 'reinvite',
    nextStepText: 'Re-invite the customer admin to sign in again with the connection account.',
  }),
  unexpected: (what: string): CheckExplanation => ({
    code: 'unexpected',
    title: 'Microsoft Graph answered something unexpected',
    cause: `The answer of ${what} could not be read. This says nothing about the customer's access.`,
    nextStep: 'retry',
    nextStepText: 'Validate again in a few minutes.',
  }),
  permissionsMissing: (missing: readonly string[]): CheckExplanation => ({
    code: 'permissions-missing',
    title: 'Some permissions are no longer granted',
    cause: `The new token lacks ${missing.join(', ')}: the customer's organization no longer consents to ${missing.length === 1 ? 'it' : 'them'}.`,
    nextStep: 'request-approval',
    nextStepText: "Ask the customer's admin to grant admin consent again with the link on this card, then validate again.",
  }),
};

export const OUT_OF_TIME = (budgetMs: number): CheckExplanation => ({
  code: 'timeout',
  title: 'The validation ran out of time',
  cause: `The check had not finished when the validation's ${budgetMs} ms were up. This says nothing about the customer's access.`,
  nextStep: 'retry',
  nextStepText: 'Validate again in a few minutes.',
});
