import { performance } from 'node:perf_hooks';
import { type Clock, DAY_MS } from '../../clock';
import { currentDeadline, isOutOfTime, withDeadline } from '../../deadline';
import { explainSignInFailure } from '../../domain/signInFailures';
import type { TenantRef } from '../../domain/inputs';
import type { Actor, AuditActor } from '../../domain/staff';
import type { CustomerTenant } from '../../domain/tenant';
import {
  ACCOUNT_NOT_IN_CACHE,
  type CheckExplanation,
  type CheckName,
  defaultScopeOf,
  GRAPH_FINDINGS,
  GRAPH_RESOURCE,
  isDeadRefreshToken,
  microsoftBusy,
  missingPermissions,
  OUT_OF_TIME,
  type OtherAccountResult,
  outcomeOf,
  refreshCheckOf,
  SAVED_SIGN_IN_UNREADABLE,
  splitScope,
  summaryOf,
  throttleOf,
  type ValidationCheck,
  type ValidationRecord,
  type ValidationTrigger,
  VALIDATION_TTL_SECONDS,
  withRecent,
  OIDC_SCOPES,
} from '../../domain/validation';
import type { Logger } from '../../log';
import { stableId } from '../stableId';
import type {
  Audit,
  CachedAccount,
  GraphFailure,
  Organization,
  OrganizationReader,
  SignedInUserReader,
  TenantStore,
  TokenRefresher,
  TokenRefreshSession,
  ValidationStore,
} from '../ports';

const REFRESH_TOKEN_LIFETIME_MS = 90 * DAY_MS;
/** How long checks cut off by the deadline get to settle (their requests are aborted by it) before the writes. */
const SETTLE_MS = 1_000;

export interface ValidateDeps {
  readonly tenants: TenantStore;
  readonly validations: ValidationStore;
  readonly tokens: TokenRefresher;
  readonly organizations: OrganizationReader;
  readonly users: SignedInUserReader;
  readonly audit: Audit;
  readonly clock: Clock;
  readonly logger: Logger;
  /** ENTRA_SCOPES: what the token must cover (the permissions check). */
  readonly scopes: readonly string[];
  /** VALIDATION_RESOURCES: one more token each, through the same refresh token. */
  readonly extraResources: readonly string[];
  /** VALIDATION_TIMEOUT_MS: one validation's budget when the caller gives none. */
  readonly budgetMs: number;
  /** Entra's admin consent page for the tenant, shown when permissions are missing. */
  readonly adminConsentLink: (tenantId: string) => string;
}

export interface ValidateInput {
  /** Which tenant: as staff named it, or the tenant document a caller (the sweep) already read, which saves a read. */
  readonly tenant: TenantRef | CustomerTenant;
  readonly actor: Actor | AuditActor;
  /** Same key, same validation id and audit id: a redelivered request records one validation. */
  readonly requestKey: string;
  readonly trigger: ValidationTrigger;
  /** This validation's own deadline (a sweep gives each tenant its own); default VALIDATION_TIMEOUT_MS. */
  readonly budgetMs?: number;
  /**
   * Asked before each write (the token cache, the tenant, the history, the audit row); false refuses
   * it, and nothing more is written. A sweep runner passes its lease check, so a deposed runner's
   * late result is never recorded. It is shown the validation about to be recorded (the sweep
   * records an incomplete one only when no retry is left).
   */
  readonly beforeWrite?: (pending: ValidationRecord) => Promise<boolean>;
  /** Default true. A sweep audits once per sweep instead. */
  readonly audit?: boolean;
}

export type ValidateResult =
  | {
      ok: true;
      validation: ValidationRecord;
      /** The tenant as it is after the validation. */
      tenant: CustomerTenant;
      /** Microsoft throttled a check: when to try the tenant again. */
      throttled?: ValidationRecord['throttled'];
      /** False when a new sign-in replaced the validated one meanwhile: the history has it, the tenant does not. */
      tenantUpdated: boolean;
    }
  | { ok: false; reason: 'unknown-tenant'; ref: TenantRef }
  /** Never signed in (no saved sign-in to validate): invite first. */
  | { ok: false; reason: 'no-token'; tenant: CustomerTenant }
  /** `beforeWrite` said no; `written` lists what had been written before it did. */
  | { ok: false; reason: 'write-refused'; validation: ValidationRecord; tenant: CustomerTenant; written: readonly ('token-cache' | 'tenant' | 'history')[] };

const isRef = (t: TenantRef | CustomerTenant): t is TenantRef => 'kind' in t && 'value' in t;

/**
 * "Validate Authentication" for one customer tenant: a new access token from the saved sign-in
 * through the refresh-token grant (which also keeps it alive), then what that token reaches — the
 * tenant and the account at Graph, the permissions, any extra resources — and every other account
 * in the cache refreshed too, or removed when its refresh token is dead. The rolled cache is
 * written back sealed; the tenant's authentication status takes the outcome (an incomplete
 * validation, when Microsoft did not answer, changes it not); the history and the audit log get
 * the validation.
 *
 * The tenant keeps its last five validations for `status`; the history container the last 50.
 * Store cost when the caller hands over the tenant: two reads (the token cache, the tenant's
 * conditional update) and three writes (cache, tenant, history), plus the audit row unless `audit`
 * is false.
 */
export async function validateTenant(deps: ValidateDeps, input: ValidateInput): Promise<ValidateResult> {
  const tenant = isRef(input.tenant) ? await findTenant(deps.tenants, input.tenant) : input.tenant;
  if (!tenant) return { ok: false, reason: 'unknown-tenant', ref: input.tenant as TenantRef };
  if (tenant.authMode !== 'token' || !tenant.token) return { ok: false, reason: 'no-token', tenant };

  const startedAt = deps.clock.now();
  const started = performance.now();
  const budgetMs = input.budgetMs ?? deps.budgetMs;
  // The writes keep a share of the budget, so a slow Microsoft never leaves a validation unrecorded.
  const writeReserveMs = Math.min(5_000, Math.max(200, Math.round(budgetMs * 0.2)));
  const log = new CheckLog(budgetMs - writeReserveMs);
  const found: Found = {};

  let inner: Promise<void> | undefined;
  try {
    await withDeadline(budgetMs - writeReserveMs, 'validation checks', () => (inner = runChecks(deps, tenant, log, found)));
  } catch (error) {
    if (!isOutOfTime(error)) throw error;
    log.close();
    await Promise.race([inner?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SETTLE_MS))]);
  }

  const checks = log.completed(extraResourcesOf(deps));
  const outcome = outcomeOf(checks);
  const throttled = throttleOf(checks);
  const record: ValidationRecord = {
    id: stableId('val-', `${tenant.tenantId}|${input.requestKey}`, 16),
    tenantId: tenant.tenantId,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    outcome,
    trigger: input.trigger,
    by: byOf(input.actor),
    account: tenant.token.account,
    checks,
    otherAccounts: log.others,
    ...(throttled ? { throttled } : {}),
    ttl: VALIDATION_TTL_SECONDS,
  };

  const remainingMs = Math.max(writeReserveMs, budgetMs - (performance.now() - started));
  const written = await withDeadline(remainingMs, 'validation writes', () => recordValidation(deps, input, tenant, record, found));
  deps.logger.info(
    {
      event: 'validation.finished',
      tenantId: tenant.tenantId,
      validationId: record.id,
      trigger: input.trigger,
      outcome,
      durationMs: record.durationMs,
      checks: checks.map((c) => `${c.check}${c.resource ? `(${c.resource})` : ''}:${c.result}${c.explanation ? `:${c.explanation.code}` : ''}`),
      otherAccounts: record.otherAccounts.map((a) => a.result),
      throttled: record.throttled,
      refused: written.refused || undefined,
    },
    `validation ${outcome}`,
  );
  if (written.refused) return { ok: false, reason: 'write-refused', validation: record, tenant: written.tenant, written: written.steps };
  return { ok: true, validation: record, tenant: written.tenant, tenantUpdated: written.tenantUpdated, ...(record.throttled ? { throttled: record.throttled } : {}) };
}

async function findTenant(tenants: TenantStore, ref: TenantRef): Promise<CustomerTenant | undefined> {
  return ref.kind === 'id' ? tenants.get(ref.value) : tenants.findByDomain(ref.value);
}

function byOf(actor: Actor | AuditActor): string {
  if ('kind' in actor) {
    if (actor.kind === 'system') return actor.reason;
    if (actor.kind === 'staff') return actor.name ?? actor.aadObjectId;
    return actor.kind === 'customer-admin' ? actor.email : actor.kind;
  }
  return actor.name ?? actor.aadObjectId;
}

/** What the checks found that the writes need. */
interface Found {
  session?: TokenRefreshSession;
  /** Granted permissions of the new Graph token, when the token check passed. */
  permissions?: string[];
  organization?: Organization;
}

/** One resource check: the resource and the scope asked for it. */
interface ResourceCheck {
  readonly resource: string;
  readonly scope: string;
  /** Permissions ENTRA_SCOPES names on it (missing ones fail the check). */
  readonly configured: readonly string[];
}

/** Resources other than Graph that ENTRA_SCOPES names, then VALIDATION_RESOURCES; one check each. */
function extraResourcesOf(deps: Pick<ValidateDeps, 'scopes' | 'extraResources'>): ResourceCheck[] {
  const checks = new Map<string, ResourceCheck>();
  for (const scope of deps.scopes) {
    const { resource } = splitScope(scope);
    if (resource === GRAPH_RESOURCE || OIDC_SCOPES.has(scope.toLowerCase())) continue;
    const existing = checks.get(resource);
    checks.set(resource, { resource, scope: defaultScopeOf(resource), configured: [...(existing?.configured ?? []), scope] });
  }
  for (const entry of deps.extraResources) {
    const { resource, permission } = splitScope(entry);
    if (checks.has(resource)) continue;
    checks.set(resource, { resource, scope: permission ? entry : defaultScopeOf(resource), configured: [] });
  }
  return [...checks.values()];
}

/** The checks run so far; past the deadline it takes nothing more, so late answers cannot change a recorded result. */
class CheckLog {
  private readonly done: ValidationCheck[] = [];
  private readonly pending = new Set<{ check: CheckName; resource?: string; startedMs: number }>();
  readonly others: OtherAccountResult[] = [];
  private closedBy?: number;

  constructor(private readonly budgetMs: number) {}

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  begin(check: CheckName, resource?: string): (result: Omit<ValidationCheck, 'check' | 'resource' | 'durationMs'>) => void {
    const entry = { check, resource, startedMs: performance.now() };
    this.pending.add(entry);
    return (result) => {
      if (this.closed) return;
      this.pending.delete(entry);
      // A request that timed out because the validation's deadline capped it ran out of the validation's time, not its own.
      const outOfTime = result.explanation?.code === 'timeout' && (currentDeadline()?.remainingMs() ?? Infinity) < 100;
      this.done.push({ check, ...(resource ? { resource } : {}), durationMs: Math.round(performance.now() - entry.startedMs), ...result, ...(outOfTime ? { explanation: OUT_OF_TIME(this.budgetMs) } : {}) });
    };
  }

  other(result: OtherAccountResult): void {
    if (!this.closed) this.others.push(result);
  }

  /** The deadline passed: whatever is still running is incomplete. */
  close(): void {
    for (const entry of this.pending) {
      this.done.push({ check: entry.check, ...(entry.resource ? { resource: entry.resource } : {}), durationMs: Math.round(performance.now() - entry.startedMs), result: 'incomplete', detail: 'cut off by the deadline', explanation: OUT_OF_TIME(this.budgetMs) });
    }
    this.pending.clear();
    this.closedBy = this.budgetMs;
  }

  /** Every check in a fixed order; the ones that never ran say why. */
  completed(resources: readonly ResourceCheck[]): ValidationCheck[] {
    const planned: { check: CheckName; resource?: string }[] = [{ check: 'token' }, { check: 'tenant' }, { check: 'account' }, { check: 'permissions' }, ...resources.map((r) => ({ check: 'resource' as const, resource: r.resource }))];
    const token = this.done.find((c) => c.check === 'token');
    const why = this.closed ? 'not checked: the validation ran out of time first' : token && token.result !== 'passed' ? 'not checked: no new access token to check with' : 'not checked';
    return planned.map((p) => this.done.find((c) => c.check === p.check && c.resource === p.resource) ?? { check: p.check, ...(p.resource ? { resource: p.resource } : {}), result: 'not-run', durationMs: 0, detail: why });
  }
}

async function runChecks(deps: ValidateDeps, tenant: CustomerTenant, log: CheckLog, found: Found): Promise<void> {
  const endToken = log.begin('token');
  const opened = await deps.tokens.open(tenant.tenantId);
  if (!opened.ok) {
    endToken({ result: 'failed', detail: opened.reason === 'no-cache' ? 'no saved sign-in is stored' : 'the stored sign-in cannot be opened', explanation: opened.reason === 'no-cache' ? ACCOUNT_NOT_IN_CACHE(tenant.token!.account) : SAVED_SIGN_IN_UNREADABLE });
    return;
  }
  const session = opened.session;
  found.session = session;
  const connection = connectionAccount(session.accounts, tenant);
  if (!connection) {
    endToken({ result: 'failed', detail: `the cache holds ${session.accounts.length} other account(s), not the connection account`, explanation: ACCOUNT_NOT_IN_CACHE(tenant.token!.account) });
    await refreshOthers(session, undefined, log);
    return;
  }

  const refreshed = await session.refresh(connection, [defaultScopeOf(GRAPH_RESOURCE)]);
  if (!refreshed.ok) {
    const check = refreshCheckOf(refreshed.failure, refreshed.retryAfterSeconds);
    endToken({ detail: check.result === 'failed' ? 'Entra refused the refresh token' : 'Entra did not answer the refresh-token grant', ...check });
    if (!check.explanation || check.result === 'failed') logSide(deps, tenant, refreshed.failure);
    // When Entra itself is not answering, more refreshes would only meet the same.
    if (check.result === 'failed') await refreshOthers(session, connection, log);
    else for (const other of session.accounts.filter((a) => a !== connection)) log.other({ username: other.username, result: 'kept', detail: 'not refreshed: Microsoft Entra ID did not answer' });
    return;
  }
  endToken({ result: 'passed', service: 'entra', detail: `a new access token through the refresh-token grant${refreshed.expiresOn ? `, valid until ${refreshed.expiresOn.slice(0, 16).replace('T', ' ')} UTC` : ''}; the refresh token rolled` });
  found.permissions = refreshed.permissions;

  await Promise.all([tenantCheck(deps, tenant, refreshed.accessToken, log, found), accountCheck(deps, connection, refreshed.accessToken, log)]);
  permissionsCheck(deps, tenant, refreshed.permissions, log);
  for (const resource of extraResourcesOf(deps)) await resourceCheck(deps, tenant, session, connection, resource, log);
  await refreshOthers(session, connection, log);
}

/** The account the tenant is connected with (its token metadata names it), in the tenant itself first. */
function connectionAccount(accounts: readonly CachedAccount[], tenant: CustomerTenant): CachedAccount | undefined {
  const name = tenant.token!.account.toLowerCase();
  const named = accounts.filter((a) => a.username.toLowerCase() === name);
  return named.find((a) => a.tenantId === tenant.tenantId) ?? named[0];
}

/** Our side's failures go to the log with their cause, as the sign-in's do. */
function logSide(deps: ValidateDeps, tenant: CustomerTenant, failure: Parameters<typeof explainSignInFailure>[0]): void {
  if (failure.kind === 'entra') return;
  const e = explainSignInFailure(failure);
  deps.logger.warn({ event: 'validation.refresh-not-answered', tenantId: tenant.tenantId, side: e.side, code: e.code, detail: e.staffDetail }, 'the refresh-token grant got no usable answer');
}

/** A Graph answer that says nothing about the access: throttled, down, slow, unreadable. */
function graphTrouble(f: GraphFailure): Omit<ValidationCheck, 'check' | 'resource' | 'durationMs' | 'detail'> {
  const wait = f.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: f.retryAfterSeconds };
  switch (f.reason) {
    case 'unauthorized':
      return { result: 'failed', service: 'graph', explanation: GRAPH_FINDINGS.refused(f.status ?? 401) };
    case 'throttled':
      return { result: 'incomplete', service: 'graph', throttled: true, explanation: microsoftBusy('graph', 'throttled', 429, f.retryAfterSeconds), ...wait };
    case 'timeout':
      return { result: 'incomplete', service: 'graph', explanation: microsoftBusy('graph', 'timeout') };
    case 'unexpected':
      return { result: 'incomplete', service: 'graph', explanation: GRAPH_FINDINGS.unexpected('Microsoft Graph') };
    case 'unavailable':
      return { result: 'incomplete', service: 'graph', explanation: microsoftBusy('graph', f.status === undefined ? 'unreachable' : 'unavailable', f.status, f.retryAfterSeconds), ...wait };
  }
}

async function tenantCheck(deps: ValidateDeps, tenant: CustomerTenant, accessToken: string, log: CheckLog, found: Found): Promise<void> {
  const end = log.begin('tenant');
  const org = await deps.organizations.read(accessToken);
  if (!org.ok) return end({ detail: 'GET /v1.0/organization', ...graphTrouble(org) });
  if (org.organization.id !== tenant.tenantId) return end({ result: 'failed', service: 'graph', detail: 'Graph answered for another organization', explanation: GRAPH_FINDINGS.otherOrganization(org.organization.id) });
  found.organization = org.organization;
  const n = org.organization.domains.length;
  end({ result: 'passed', service: 'graph', detail: `Graph answers for this tenant, with ${n} verified domain${n === 1 ? '' : 's'}` });
}

async function accountCheck(deps: ValidateDeps, account: CachedAccount, accessToken: string, log: CheckLog): Promise<void> {
  const end = log.begin('account');
  const me = await deps.users.me(accessToken);
  if (!me.ok) {
    if (me.reason === 'not-found') return end({ result: 'failed', service: 'graph', detail: 'GET /v1.0/me answered 404', explanation: GRAPH_FINDINGS.accountDeleted(account.username) });
    return end({ detail: 'GET /v1.0/me', ...graphTrouble(me) });
  }
  if (me.user.accountEnabled === false) return end({ result: 'failed', service: 'graph', detail: 'Graph says the account is disabled', explanation: GRAPH_FINDINGS.accountDisabled(account.username) });
  if (account.objectId && me.user.id !== account.objectId.toLowerCase()) {
    return end({ result: 'failed', service: 'graph', detail: 'Graph answered for another account', explanation: GRAPH_FINDINGS.otherAccount(account.username, me.user.userPrincipalName ?? me.user.id) });
  }
  end({ result: 'passed', service: 'graph', detail: me.user.accountEnabled === true ? 'the account exists and is enabled' : 'the account exists' });
}

function permissionsCheck(deps: ValidateDeps, tenant: CustomerTenant, granted: readonly string[], log: CheckLog): void {
  const end = log.begin('permissions');
  const missing = missingPermissions(deps.scopes, granted, GRAPH_RESOURCE);
  if (missing.length === 0) return end({ result: 'passed', detail: `the token grants every configured scope (${granted.join(', ') || 'none listed'})` });
  const explanation: CheckExplanation = { ...GRAPH_FINDINGS.permissionsMissing(missing), link: deps.adminConsentLink(tenant.tenantId) };
  end({ result: 'failed', detail: `granted: ${granted.join(', ') || 'nothing'}`, missing, explanation });
}

async function resourceCheck(deps: ValidateDeps, tenant: CustomerTenant, session: TokenRefreshSession, account: CachedAccount, resource: ResourceCheck, log: CheckLog): Promise<void> {
  const end = log.begin('resource', resource.resource);
  const refreshed = await session.refresh(account, [resource.scope]);
  if (!refreshed.ok) return end({ detail: `no token for ${resource.scope}`, ...refreshCheckOf(refreshed.failure, refreshed.retryAfterSeconds) });
  const missing = missingPermissions(resource.configured, refreshed.permissions, resource.resource);
  if (missing.length > 0) {
    return end({ result: 'failed', detail: `a token for ${resource.resource}, without ${missing.join(', ')}`, missing, explanation: { ...GRAPH_FINDINGS.permissionsMissing(missing), link: deps.adminConsentLink(tenant.tenantId) } });
  }
  end({ result: 'passed', service: 'entra', detail: `a token for ${resource.resource} through the same refresh token${refreshed.permissions.length ? ` (${refreshed.permissions.join(', ')})` : ''}` });
}

/** Every other account in the cache: refreshed (its refresh token rolls too), or removed when its refresh token is dead. */
async function refreshOthers(session: TokenRefreshSession, connection: CachedAccount | undefined, log: CheckLog): Promise<void> {
  for (const other of session.accounts.filter((a) => a !== connection)) {
    if (log.closed) return;
    const refreshed = await session.refresh(other, [defaultScopeOf(GRAPH_RESOURCE)]);
    if (log.closed) return;
    if (refreshed.ok) {
      log.other({ username: other.username, result: 'refreshed' });
      continue;
    }
    const check = refreshCheckOf(refreshed.failure, refreshed.retryAfterSeconds);
    const why = check.explanation ? `${check.explanation.title} (${check.explanation.code})` : 'refused';
    if (isDeadRefreshToken(refreshed.failure)) {
      await session.remove(other);
      log.other({ username: other.username, result: 'removed', detail: why });
    } else {
      log.other({ username: other.username, result: 'kept', detail: `not refreshed: ${why}` });
    }
  }
}

/** The writes, each asked of `beforeWrite` first: the rolled cache, the tenant, the history, the audit row. */
async function recordValidation(
  deps: ValidateDeps,
  input: ValidateInput,
  tenant: CustomerTenant,
  record: ValidationRecord,
  found: Found,
): Promise<{ refused: boolean; tenant: CustomerTenant; tenantUpdated: boolean; steps: ('token-cache' | 'tenant' | 'history')[] }> {
  const steps: ('token-cache' | 'tenant' | 'history')[] = [];
  const allowed = async () => (input.beforeWrite ? input.beforeWrite(record) : true);
  let current = tenant;
  let tenantUpdated = false;

  if (found.session?.changed) {
    if (!(await allowed())) return { refused: true, tenant: current, tenantUpdated, steps };
    await found.session.save();
    steps.push('token-cache');
  }

  if (!(await allowed())) return { refused: true, tenant: current, tenantUpdated, steps };
  const org = found.organization;
  for (const domain of org?.domains ?? []) if (!(tenant.domains ?? []).includes(domain)) await deps.tenants.addDomain(domain, tenant.tenantId);
  const now = deps.clock.now();
  const tokenPassed = record.checks.some((c) => c.check === 'token' && c.result === 'passed');
  const updated = await deps.tenants.update<'replaced'>(tenant.tenantId, (t) => {
    // A sign-in since replaced the validated one: this result is about a saved sign-in that is gone.
    if (!t.token || t.token.account.toLowerCase() !== tenant.token!.account.toLowerCase() || t.token.createdAt !== tenant.token!.createdAt) return { ok: false, failure: 'replaced' };
    const token = tokenPassed
      ? {
          ...t.token,
          lastRefreshedAt: now.toISOString(),
          refreshExpiresAt: new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS).toISOString(),
          scopes: found.permissions?.length ? found.permissions.map((p) => (p.includes('://') ? p : `${GRAPH_RESOURCE}/${p}`)) : t.token.scopes,
        }
      : t.token;
    return {
      ok: true,
      value: {
        ...t,
        displayName: org?.displayName ?? t.displayName,
        domain: t.domain ?? org?.domains[0],
        domains: org?.domains.length ? [...org.domains] : t.domains,
        authStatus: record.outcome === 'successful' ? 'successful' : record.outcome === 'failed' ? 'failed' : t.authStatus,
        token,
        lastValidation: { at: record.startedAt, ok: record.outcome === 'successful', outcome: record.outcome, detail: summaryOf(record), validationId: record.id },
        recentValidations: withRecent(t.recentValidations, record),
      },
    };
  });
  if (updated.ok) {
    current = updated.value;
    tenantUpdated = true;
    steps.push('tenant');
  } else if (updated.reason !== 'rejected') {
    throw new Error(`tenant ${tenant.tenantId} could not be updated after its validation (${updated.reason})`);
  }

  if (!(await allowed())) return { refused: true, tenant: current, tenantUpdated, steps };
  await deps.validations.append(record);
  steps.push('history');

  if (input.audit !== false) {
    if (!(await allowed())) return { refused: true, tenant: current, tenantUpdated, steps };
    await deps.audit({
      actor: input.actor,
      action: 'tenant.validate',
      outcome: record.outcome === 'successful' ? 'ok' : 'failed',
      tenantId: tenant.tenantId,
      target: record.id,
      detail: `${record.outcome}: ${summaryOf(record)}${record.otherAccounts.length ? `; other accounts: ${record.otherAccounts.map((a) => a.result).join(', ')}` : ''}`,
      requestKey: input.requestKey,
    });
  }
  return { refused: false, tenant: current, tenantUpdated, steps };
}
