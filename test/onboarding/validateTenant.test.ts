import { memoryStores } from '../../src/adapters/memory/memoryStores';
import { DAY_MS } from '../../src/clock';
import type { CustomerTenant } from '../../src/domain/tenant';
import { outcomeOf, VALIDATION_TTL_SECONDS, type ValidationCheck } from '../../src/domain/validation';
import { createLogger } from '../../src/log';
import { createAudit } from '../../src/usecases/audit/recordAudit';
import type { CachedAccount, OrganizationLookup, RefreshOutcome, SignedInUserLookup, TokenRefresher, TokenRefreshSession } from '../../src/usecases/ports';
import { validateTenant, type ValidateDeps, type ValidateInput } from '../../src/usecases/tenants/validateTenant';
import { ManualClock } from '../support/clocks';

/**
 * The validation use case on the in-memory stores, with Entra and Graph as fakes: the outcome
 * rules, what is written and in which order, the write guard, a sign-in that replaced the
 * validated one meanwhile, and the store cost a sweep pays per tenant.
 */

const TENANT_ID = '0f0e0d0c-0b0a-4909-8807-060504030201';
const ADMIN: CachedAccount = { homeAccountId: 'oid-admin.tid', username: 'admin@contoso.onmicrosoft.com', tenantId: TENANT_ID, objectId: '11111111-2222-4333-8444-555555555555' };
const SERVICE: CachedAccount = { homeAccountId: 'oid-svc.tid', username: 'svc@contoso.onmicrosoft.com', tenantId: TENANT_ID, objectId: '66666666-7777-4888-9999-000000000000' };
const T0 = new Date('2026-03-01T09:00:00.000Z');
const OPERATOR = { aadObjectId: 'a1a1a1a1-b2b2-4c3c-8d4d-e5e5e5e5e5e5', tenantId: '9f6a1f3e-2b8c-4d5e-a7f0-1c2d3e4f5a6b', name: 'Olga Operator' };

const tenant = (overrides: Partial<CustomerTenant> = {}): CustomerTenant => ({
  id: TENANT_ID,
  tenantId: TENANT_ID,
  displayName: 'contoso.onmicrosoft.com',
  domain: 'contoso.onmicrosoft.com',
  authMode: 'token',
  authStatus: 'successful',
  token: { account: ADMIN.username, createdAt: T0.toISOString(), lastRefreshedAt: T0.toISOString(), refreshExpiresAt: new Date(T0.getTime() + 90 * DAY_MS).toISOString(), scopes: [] },
  createdAt: T0.toISOString(),
  createdBy: OPERATOR.aadObjectId,
  ...overrides,
});

const TOKEN = (permissions = ['User.Read', 'Organization.Read.All']): RefreshOutcome => ({ ok: true, accessToken: 'at', permissions });

/** A saved sign-in whose refreshes answer as scripted (by account and scope), counting opens and saves. */
class FakeRefresher implements TokenRefresher {
  opens = 0;
  saves = 0;
  removed: string[] = [];
  refreshes: string[] = [];
  constructor(private readonly accounts: CachedAccount[], private readonly answer: (account: CachedAccount, scope: string) => RefreshOutcome | Promise<RefreshOutcome>) {}
  async open() {
    this.opens++;
    let changed = false;
    const session: TokenRefreshSession = {
      accounts: this.accounts,
      refresh: async (account, scopes) => {
        this.refreshes.push(`${account.username} ${scopes.join(' ')}`);
        const outcome = await this.answer(account, scopes[0]);
        if (outcome.ok) changed = true;
        return outcome;
      },
      remove: async (account) => {
        this.removed.push(account.username);
        changed = true;
      },
      get changed() {
        return changed;
      },
      save: async () => {
        this.saves++;
      },
    };
    return { ok: true as const, session };
  }
}

function world(options: { refresher?: FakeRefresher; organization?: OrganizationLookup; me?: SignedInUserLookup; scopes?: string[]; extraResources?: string[] } = {}) {
  const stores = memoryStores();
  const clock = new ManualClock(T0);
  const refresher = options.refresher ?? new FakeRefresher([ADMIN], () => TOKEN());
  const deps: ValidateDeps = {
    tenants: stores.tenants,
    validations: stores.validations,
    tokens: refresher,
    organizations: { read: async () => options.organization ?? { ok: true, organization: { id: TENANT_ID, displayName: 'Contoso', domains: ['contoso.com', 'contoso.onmicrosoft.com'] } } },
    users: { me: async () => options.me ?? { ok: true, user: { id: ADMIN.objectId, accountEnabled: true } } },
    audit: createAudit(stores.audit, clock),
    clock,
    logger: createLogger('silent'),
    scopes: options.scopes ?? ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read'],
    extraResources: options.extraResources ?? [],
    budgetMs: 10_000,
    adminConsentLink: (id) => `https://login.example/${id}/v2.0/adminconsent`,
  };
  return { stores, clock, refresher, deps };
}

const input = (overrides: Partial<ValidateInput> = {}): ValidateInput => ({ tenant: { kind: 'id', value: TENANT_ID }, actor: OPERATOR, requestKey: 'req-1', trigger: 'command', ...overrides });

describe('validateTenant', () => {
  it('successful: every check passed, the tenant takes the result and Graph\'s name and domains, the history and the audit get the validation', async () => {
    const { stores, clock, refresher, deps } = world();
    await stores.tenants.ensure(tenant());
    clock.advance(30 * DAY_MS);
    const result = await validateTenant(deps, input());

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.validation.checks.map((c) => [c.check, c.result])).toEqual([['token', 'passed'], ['tenant', 'passed'], ['account', 'passed'], ['permissions', 'passed']]);
    expect(result.validation).toMatchObject({ outcome: 'successful', by: 'Olga Operator', account: ADMIN.username, ttl: VALIDATION_TTL_SECONDS, startedAt: clock.now().toISOString() });
    expect(refresher.refreshes).toEqual([`${ADMIN.username} https://graph.microsoft.com/.default`]);
    const stored = await stores.tenants.get(TENANT_ID);
    expect(stored).toMatchObject({ displayName: 'Contoso', domains: ['contoso.com', 'contoso.onmicrosoft.com'], authStatus: 'successful', lastValidation: { ok: true, outcome: 'successful', validationId: result.validation.id } });
    expect(stored?.token?.lastRefreshedAt).toBe(clock.now().toISOString());
    expect(Date.parse(stored!.token!.refreshExpiresAt) - clock.now().getTime()).toBe(90 * DAY_MS);
    expect(stored?.token?.scopes).toEqual(['https://graph.microsoft.com/User.Read', 'https://graph.microsoft.com/Organization.Read.All']);
    expect((await stores.tenants.findByDomain('contoso.com'))?.tenantId).toBe(TENANT_ID);
    expect(stored?.recentValidations).toEqual([{ id: result.validation.id, startedAt: result.validation.startedAt, outcome: 'successful', summary: '4 checks passed', durationMs: result.validation.durationMs, by: 'Olga Operator', otherAccounts: [] }]);
    expect(await stores.validations.documents()).toHaveLength(1);
    expect((await stores.audit.documents()).map((a) => [a.action, a.outcome, a.target])).toEqual([['tenant.validate', 'ok', result.validation.id]]);
  });

  it('costs a sweep two reads and three writes per tenant when it hands over the tenant and audits once per sweep', async () => {
    const { stores, refresher, deps } = world();
    const t = (await stores.tenants.ensure(tenant({ domains: ['contoso.com', 'contoso.onmicrosoft.com'] }))).tenant;
    const counted = { reads: 0, writes: 0 };
    const tenants = deps.tenants;
    const validations = deps.validations;
    const countingDeps: ValidateDeps = {
      ...deps,
      tenants: {
        ...tenants,
        get: (id) => (counted.reads++, tenants.get(id)),
        findByDomain: (d) => (counted.reads++, tenants.findByDomain(d)),
        addDomain: (d, id) => (counted.writes++, tenants.addDomain(d, id)),
        ensure: (x) => tenants.ensure(x),
        list: (l) => tenants.list(l),
        update: (id, mutate) => ((counted.reads++, counted.writes++), tenants.update(id, mutate)),
      },
      validations: { append: (r) => (counted.writes++, validations.append(r)), listForTenant: (id, o) => (counted.reads++, validations.listForTenant(id, o)) },
      audit: async () => void counted.writes++,
    };
    const result = await validateTenant(countingDeps, input({ tenant: t, trigger: 'sweep', audit: false, actor: { kind: 'system', reason: 'sweep' } }));
    expect(result.ok).toBe(true);
    // The token cache: one read when opened, one write when saved.
    expect(counted.reads + refresher.opens).toBe(2);
    expect(counted.writes + refresher.saves).toBe(3);
  });

  it('failed: Entra refused the refresh token; the Graph checks are not run; the status is Failed; the cache is not written', async () => {
    const refresher = new FakeRefresher([ADMIN], () => ({ ok: false, failure: { kind: 'entra', error: { error: 'invalid_grant', errorCodes: [50173] }, status: 400 } }));
    const { stores, deps } = world({ refresher });
    await stores.tenants.ensure(tenant());
    const result = await validateTenant(deps, input());
    expect(result).toMatchObject({ ok: true, validation: { outcome: 'failed' } });
    if (!result.ok) return;
    expect(result.validation.checks.map((c) => c.result)).toEqual(['failed', 'not-run', 'not-run', 'not-run']);
    expect(result.validation.checks[0].explanation).toMatchObject({ code: 'AADSTS50173', title: 'The saved sign-in was revoked', nextStep: 'reinvite' });
    expect(refresher.saves).toBe(0);
    expect(await stores.tenants.get(TENANT_ID)).toMatchObject({ authStatus: 'failed', lastValidation: { ok: false, outcome: 'failed' } });
  });

  it('incomplete: Graph throttled; the status stays, the token is still renewed, the caller is told how long to wait', async () => {
    const { stores, clock, refresher, deps } = world({ organization: { ok: false, reason: 'throttled', status: 429, retryAfterSeconds: 12 } });
    await stores.tenants.ensure(tenant({ authStatus: 'failed' }));
    clock.advance(DAY_MS);
    const result = await validateTenant(deps, input());
    expect(result).toMatchObject({ ok: true, throttled: { service: 'graph', retryAfterSeconds: 12 }, validation: { outcome: 'incomplete' } });
    expect(refresher.saves).toBe(1);
    const stored = await stores.tenants.get(TENANT_ID);
    expect(stored).toMatchObject({ authStatus: 'failed', lastValidation: { ok: false, outcome: 'incomplete' } });
    expect(stored?.token?.lastRefreshedAt).not.toBe(T0.toISOString());
  });

  it('the other accounts: refreshed, removed when their refresh token is dead, kept when the refusal can pass', async () => {
    const other: CachedAccount = { ...SERVICE, username: 'other@contoso.onmicrosoft.com', homeAccountId: 'other' };
    const refresher = new FakeRefresher([ADMIN, SERVICE, other], (account) => {
      if (account === SERVICE) return { ok: false, failure: { kind: 'entra', error: { error: 'invalid_grant', errorCodes: [70008] } } };
      if (account === other) return { ok: false, failure: { kind: 'entra', error: { error: 'interaction_required', errorCodes: [50076] } } };
      return TOKEN();
    });
    const { stores, deps } = world({ refresher });
    await stores.tenants.ensure(tenant());
    const result = await validateTenant(deps, input());
    expect(result.ok && result.validation.outcome).toBe('successful');
    expect(result.ok && result.validation.otherAccounts).toEqual([
      { username: SERVICE.username, result: 'removed', detail: 'The saved sign-in expired (AADSTS70008)' },
      { username: other.username, result: 'kept', detail: 'not refreshed: Multi-factor authentication is now required (AADSTS50076)' },
    ]);
    expect(refresher.removed).toEqual([SERVICE.username]);
  });

  it('permissions and extra resources: what is missing is named with the admin consent link', async () => {
    const refresher = new FakeRefresher([ADMIN], (_account, scope) => (scope.startsWith('https://api.teams.example') ? { ok: false, failure: { kind: 'entra', error: { error: 'invalid_grant', errorCodes: [65001] } } } : TOKEN(['User.Read'])));
    const { stores, deps } = world({ refresher, extraResources: ['https://api.teams.example'] });
    await stores.tenants.ensure(tenant());
    const result = await validateTenant(deps, input());
    if (!result.ok) throw new Error('expected a validation');
    const byName = Object.fromEntries(result.validation.checks.map((c: ValidationCheck) => [c.resource ?? c.check, c]));
    expect(byName.permissions).toMatchObject({ result: 'failed', missing: ['Organization.Read.All'], explanation: { link: `https://login.example/${TENANT_ID}/v2.0/adminconsent` } });
    expect(byName['https://api.teams.example']).toMatchObject({ result: 'failed', explanation: { code: 'AADSTS65001', title: 'Consent was revoked' } });
    expect(refresher.refreshes).toEqual([`${ADMIN.username} https://graph.microsoft.com/.default`, `${ADMIN.username} https://api.teams.example/.default`]);
  });

  it('a write guard that refuses midway stops there, and says what had been written', async () => {
    const { stores, deps } = world();
    await stores.tenants.ensure(tenant());
    let asked = 0;
    const result = await validateTenant(deps, input({ beforeWrite: async () => ++asked <= 2 }));
    expect(result).toMatchObject({ ok: false, reason: 'write-refused', written: ['token-cache', 'tenant'] });
    expect(await stores.validations.documents()).toEqual([]);
    expect(await stores.audit.documents()).toEqual([]);
  });

  it('a sign-in that replaced the validated one meanwhile keeps the tenant as it is; the history still has the validation', async () => {
    const refresher = new FakeRefresher([ADMIN], async () => {
      // The service account signs in while the admin's refresh is on its way.
      await stores.tenants.update(TENANT_ID, (t) => ({ ok: true, value: { ...t, token: { ...t.token!, account: SERVICE.username, createdAt: '2026-03-01T09:05:00.000Z' } } }));
      return { ok: false, failure: { kind: 'entra', error: { error: 'invalid_grant', errorCodes: [50173] } } };
    });
    const { stores, deps } = world({ refresher });
    await stores.tenants.ensure(tenant());
    const result = await validateTenant(deps, input());
    expect(result).toMatchObject({ ok: true, tenantUpdated: false, validation: { outcome: 'failed' } });
    expect(await stores.tenants.get(TENANT_ID)).toMatchObject({ authStatus: 'successful', token: { account: SERVICE.username } });
    expect(await stores.validations.documents()).toHaveLength(1);
  });

  it('a redelivered request records one validation and one audit row', async () => {
    const { stores, deps } = world();
    await stores.tenants.ensure(tenant());
    await validateTenant(deps, input());
    await validateTenant(deps, input());
    expect(await stores.validations.documents()).toHaveLength(1);
    expect(await stores.audit.documents()).toHaveLength(1);
    expect((await stores.tenants.get(TENANT_ID))?.recentValidations).toHaveLength(1);
  });

  it('keeps the last five validations on the tenant, newest first, for status (the history keeps 50)', async () => {
    const { stores, clock, deps } = world();
    await stores.tenants.ensure(tenant());
    for (let i = 0; i < 7; i++) {
      clock.advance(60_000);
      await validateTenant(deps, input({ requestKey: `req-${i}` }));
    }
    const recent = (await stores.tenants.get(TENANT_ID))?.recentValidations ?? [];
    expect(recent).toHaveLength(5);
    expect(recent.map((r) => r.startedAt)).toEqual([...recent.map((r) => r.startedAt)].sort().reverse());
    expect(recent[0].startedAt).toBe(clock.now().toISOString());
    expect(await stores.validations.documents()).toHaveLength(7);
  });

  it('says which tenant is unknown, and that a tenant nobody signed in for has nothing to validate', async () => {
    const { stores, refresher, deps } = world();
    expect(await validateTenant(deps, input({ tenant: { kind: 'domain', value: 'nowhere.example' } }))).toEqual({ ok: false, reason: 'unknown-tenant', ref: { kind: 'domain', value: 'nowhere.example' } });
    await stores.tenants.ensure(tenant({ token: undefined, authStatus: 'not_configured' }));
    expect(await validateTenant(deps, input())).toMatchObject({ ok: false, reason: 'no-token' });
    expect(refresher.opens).toBe(0);
  });
});

describe('outcomeOf', () => {
  const check = (result: ValidationCheck['result']): ValidationCheck => ({ check: 'token', result, durationMs: 1, detail: '' });
  it('is failed if any check failed, incomplete if any could not finish or never ran, successful only when all passed', () => {
    expect(outcomeOf([check('passed'), check('passed')])).toBe('successful');
    expect(outcomeOf([check('passed'), check('incomplete')])).toBe('incomplete');
    expect(outcomeOf([check('incomplete'), check('failed')])).toBe('failed');
    expect(outcomeOf([check('passed'), check('not-run')])).toBe('incomplete');
    expect(outcomeOf([])).toBe('incomplete');
  });
});
