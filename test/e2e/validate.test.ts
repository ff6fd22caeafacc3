import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { DAY_MS } from '../../src/clock';
import type { SimulatedTenant } from '../../src/local/identitySimulator';
import type { ValidateResult } from '../../src/usecases/tenants/validateTenant';
import { AdaptiveCardJson, BOOTSTRAP_ADMIN, cardActions, cardFacts, cardText, cardTitle, teamsUser } from '../support/botHarness';
import { adminOf, invite, serviceAccountOf, simulatedDirectory, SignInWorld, STAFF, staffSays, staffUpdates, startSignInWorld, waitUntil } from './signInDriver';

/**
 * Validate Authentication end to end: the command and the buttons through the real server, the
 * use case, MSAL's refresh-token grant against the identity simulator over HTTPS (its clock, its
 * failure switches, its faults), Graph `/organization` and `/me` there, and the embedded
 * Cosmos-protocol server. Every check counts the refresh-token grants the simulator answered, so
 * none passes on a cached access token.
 */

const TEAMS_API = 'https://api.interfaces.records.teams.microsoft.com';
const SLUGS = ['alpine', 'bluebird', 'cedar', 'dune', 'elm', 'fjord', 'grove', 'harbor', 'iris', 'juniper', 'kestrel'] as const;
const dir = simulatedDirectory([...SLUGS]);
const T = dir.bySlug as Record<(typeof SLUGS)[number], SimulatedTenant>;

/** Short enough for the timeout tests; the turn budget and the validation's own stay at their defaults. */
const ENTRA_TIMEOUT_MS = 3_000;
const GRAPH_TIMEOUT_MS = 3_000;

let w: SignInWorld;

beforeAll(async () => {
  w = await startSignInWorld(dir.tenants, {
    env: { VALIDATION_RESOURCES: TEAMS_API, ENTRA_TIMEOUT_MS: String(ENTRA_TIMEOUT_MS), GRAPH_TIMEOUT_MS: String(GRAPH_TIMEOUT_MS) },
  });
  // A voice provider's extra resource: every tenant but one consents to it.
  for (const slug of SLUGS) if (slug !== 'cedar') expect(w.sim.control.grantResourceConsent({ tenant: T[slug].domain, resource: TEAMS_API })).toMatchObject({ ok: true });
}, 60_000);

afterAll(async () => {
  await w?.h.close();
});

afterEach(() => {
  w.sim.control.clearFaults();
  for (const slug of SLUGS) w.sim.control.clearRefreshFailures({ tenant: T[slug].domain });
});

/** Invite and sign in `upn` (the tenant's Global admin by default) the way the customer does. */
async function signIn(tenant: SimulatedTenant, upn = adminOf(tenant)): Promise<void> {
  const inv = await invite(w.h, tenant, upn);
  const { userCode } = await inv.page.startAndGetCode();
  expect(w.sim.control.completeDeviceCode({ userCode, upn })).toMatchObject({ ok: true });
  await inv.page.waitFor('Tenant activated');
}

/** Refresh-token grants the simulator answered for the tenant (any answer), and token-endpoint calls a fault answered. */
function refreshGrants(tenant: SimulatedTenant): number {
  return w.sim.control.tokenRequestLog().filter((e) => e.grantType === 'refresh_token' && (e.tenant === tenant.tenantId || e.tenant === tenant.domain)).length;
}
function faultedTokenCalls(): number {
  const answers = w.sim.control.stats().faults.answers as Record<string, number>;
  return Object.entries(answers).filter(([key]) => key.startsWith('entra ')).reduce((sum, [, n]) => sum + n, 0);
}

async function validate(tenant: SimulatedTenant, text = `validate ${tenant.domain}`): Promise<{ card: AdaptiveCardJson; ms: number }> {
  const started = Date.now();
  const exchange = await w.h.say(STAFF, text);
  const ms = Date.now() - started;
  expect(exchange.status).toBe(200);
  if (!exchange.card) throw new Error('validate answered no card');
  return { card: exchange.card, ms };
}

/** The check lines of a result card: "Token: Passed · 12 ms" → { Token: 'Passed' }. */
function checksOf(card: AdaptiveCardJson): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of cardText(card).replace(/\*\*/g, '').split('\n')) {
    const m = /^(Token|Tenant|Account|Permissions|Resource \S+): (Passed|Failed|Incomplete|Not checked) · (\d+(?:\.\d)? m?s)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

type TenantDoc = Record<string, unknown> & { authStatus: string; displayName: string; domains?: string[]; lastValidation?: { ok: boolean; outcome?: string; at: string; detail?: string }; token?: { account: string; lastRefreshedAt: string; refreshExpiresAt: string; scopes: string[] } };
async function storedTenant(tenant: SimulatedTenant): Promise<TenantDoc> {
  return (await w.h.documents(['tenants'])).tenants.find((t) => t.tenantId === tenant.tenantId) as TenantDoc;
}
async function history(tenant: SimulatedTenant): Promise<Record<string, unknown>[]> {
  return (await w.h.documents(['validations'])).validations.filter((v) => v.tenantId === tenant.tenantId);
}

describe('validate: a working saved sign-in', () => {
  beforeAll(() => signIn(T.alpine), 20_000);

  it('renews the token through the refresh-token grant and says Successful, check by check', async () => {
    const before = refreshGrants(T.alpine);
    const { card, ms } = await validate(T.alpine);

    expect(cardTitle(card)).toBe('Last Authentication Status: Successful');
    expect(checksOf(card)).toEqual({ Token: 'Passed', Tenant: 'Passed', Account: 'Passed', Permissions: 'Passed', [`Resource ${TEAMS_API}`]: 'Passed' });
    // One grant for Graph, one for the extra resource: the saved refresh token was redeemed, not a cached access token.
    expect(refreshGrants(T.alpine) - before).toBe(2);
    expect(cardFacts(card)).toMatchObject({ Account: adminOf(T.alpine), 'Requested by': 'Provider Admin' });
    expect(cardFacts(card).When).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(cardActions(card).map((a) => a.title)).toEqual(['Validate again', 'Tenant status']);
    expect(ms).toBeLessThan(w.h.config.timings.turnBudgetMs);

    const stored = await storedTenant(T.alpine);
    expect(stored.authStatus).toBe('successful');
    expect(stored.lastValidation).toMatchObject({ ok: true, outcome: 'successful' });
    expect(Date.parse(stored.token!.refreshExpiresAt) - Date.parse(stored.token!.lastRefreshedAt)).toBe(90 * DAY_MS);
    const records = await history(T.alpine);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'successful', trigger: 'command', account: adminOf(T.alpine), ttl: 90 * 24 * 3600 });
    const audit = (await w.h.documents(['audit'])).audit.filter((a) => a.tenantId === T.alpine.tenantId && a.action === 'tenant.validate');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: 'ok', target: records[0].id });
  });
});

describe('validate keeps the saved sign-in alive', () => {
  beforeAll(() => signIn(T.bluebird), 20_000);

  it('writes the rolled refresh token back: 60 and 60 more simulated days later it still works, where the first one died', async () => {
    w.sim.control.advanceClock(60 * DAY_MS);
    expect(cardTitle((await validate(T.bluebird)).card)).toBe('Last Authentication Status: Successful');
    w.sim.control.advanceClock(60 * DAY_MS);
    // 120 days after the sign-in: its refresh token is past its 90 idle days; the one the validation saved is 60 days old.
    const before = refreshGrants(T.bluebird);
    const { card } = await validate(T.bluebird);
    expect(cardTitle(card)).toBe('Last Authentication Status: Successful');
    expect(refreshGrants(T.bluebird) - before).toBe(2);
    w.sim.control.advanceClock(-120 * DAY_MS);
  });

  it('refreshes the name and verified domains from Graph, and status finds the tenant by a new domain', async () => {
    expect(w.sim.control.changeOrganization(T.bluebird.domain, { displayName: 'Bluebird Airways', domains: ['bluebird.example'], defaultDomain: 'bluebird.example' })).toMatchObject({ ok: true });
    const { card } = await validate(T.bluebird);
    expect(cardText(card)).toContain('Bluebird Airways');
    const stored = await storedTenant(T.bluebird);
    expect(stored.displayName).toBe('Bluebird Airways');
    expect(stored.domains).toEqual(['bluebird.example', T.bluebird.domain]);
    const status = await staffSays(w.h, 'status bluebird.example');
    expect(cardTitle(status)).toBe('Bluebird Airways');
  });

  it('status shows the last validations, newest first, and a Validate button', async () => {
    const status = await staffSays(w.h, `status ${T.bluebird.domain}`);
    const lines = cardText(status).replace(/\*\*/g, '').split('\n').filter((l) => / UTC · (Successful|Failed|Incomplete) · /.test(l));
    expect(lines.length).toBe(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC · Successful · 5 checks passed · \d+ ms · by Provider Admin$/);
    expect(cardFacts(status)['Last validation']).toMatch(/\(successful\)$/);
    expect(cardActions(status).map((a) => a.title)).toContain('Validate');

    // The button does what the command does, and its answer replaces the status card.
    const before = refreshGrants(T.bluebird);
    const pressed = await w.h.press(STAFF, status!, 'Validate');
    expect(cardTitle(pressed.card)).toBe('Last Authentication Status: Successful');
    expect(refreshGrants(T.bluebird) - before).toBe(2);
    expect((await history(T.bluebird)).at(-1)).toBeDefined();
    expect((await history(T.bluebird)).some((r) => r.trigger === 'button')).toBe(true);
  });
});

/** The Entra codes a refresh can meet, each forced once by the simulator's switch, with the words the card must say. */
const REFRESH_FAILURES: [number, string, RegExp][] = [
  [70008, 'The saved sign-in expired', /not used for 90 days/],
  [700082, 'The saved sign-in expired', /not used for 90 days/],
  [50173, 'The saved sign-in was revoked', /password was changed or reset, or an admin revoked its sessions/],
  [50132, 'The saved sign-in was revoked', /password was changed or has expired/],
  [70044, 'The saved session expired', /sign-in frequency policy/],
  [50076, 'Multi-factor authentication is now required', /requires multi-factor authentication/],
  [50079, 'MFA registration is now required', /register a multi-factor authentication/],
  [53003, 'Blocked by a Conditional Access policy', /Conditional Access policy .* now blocks/],
  [530033, 'Blocked: a managed device is required', /compliant or managed device/],
  [65001, 'Consent was revoked', /no longer grants this app the permissions/],
  [700016, "The app was deleted in the customer's organization", /enterprise application was deleted/],
  [7000112, "The app is disabled in the customer's organization", /turned off sign-in to this app/],
  [50057, 'The account is disabled', /connection account is disabled/],
  [50053, 'The account is locked', /connection account is locked/],
  [50034, 'The account no longer exists', /connection account was deleted/],
  [90002, "The customer's organization no longer exists", /no longer finds the customer's tenant/],
  [500011, 'A required service is missing in the organization', /no service principal for this resource/],
];

describe('validate explains every refresh-time failure', () => {
  beforeAll(() => signIn(T.dune), 20_000);

  it.each(REFRESH_FAILURES)('AADSTS%i: Failed, "%s", with the next step, Re-invite and Validate again', async (code, title, cause) => {
    expect(w.sim.control.setRefreshFailure({ tenant: T.dune.domain, code, times: 1 })).toEqual({ ok: true });
    const before = refreshGrants(T.dune);
    const { card } = await validate(T.dune);

    expect(cardTitle(card)).toBe('Last Authentication Status: Failed');
    const text = cardText(card);
    expect(text).toContain(`${title}.`);
    expect(text).toMatch(cause);
    expect(text).toContain(`AADSTS${code}`);
    expect(text).toMatch(/\*\*Next step:\*\* \S/);
    expect(checksOf(card)).toMatchObject({ Token: 'Failed', Tenant: 'Not checked', Account: 'Not checked', Permissions: 'Not checked' });
    expect(cardActions(card).map((a) => a.title)).toEqual(['Re-invite', 'Validate again', 'Tenant status']);
    // Entra refused a refresh-token grant: the saved refresh token was what the bot sent.
    expect(refreshGrants(T.dune) - before).toBe(1);
    expect(w.sim.control.tokenRequestLog().at(-1)).toMatchObject({ grantType: 'refresh_token', errorCode: code });
    const stored = await storedTenant(T.dune);
    expect(stored.authStatus).toBe('failed');
    expect(stored.lastValidation).toMatchObject({ ok: false, outcome: 'failed' });

    // The switch answered once: the refresh token the failure left in place still works.
    expect(cardTitle((await validate(T.dune)).card)).toBe('Last Authentication Status: Successful');
    expect((await storedTenant(T.dune)).authStatus).toBe('successful');
  });
});

describe('validate meets the tenant as it really breaks', () => {
  it('a password reset revokes the saved sign-in: Failed, explained (50173), and Re-invite invites the connection account again', async () => {
    await signIn(T.elm);
    expect(w.sim.control.revokeRefreshTokens(adminOf(T.elm))).toMatchObject({ ok: true });
    const before = refreshGrants(T.elm);
    const { card } = await validate(T.elm);
    expect(cardTitle(card)).toBe('Last Authentication Status: Failed');
    expect(cardText(card)).toContain('The saved sign-in was revoked.');
    expect(refreshGrants(T.elm) - before).toBe(1);

    const reinvited = await w.h.press(STAFF, card, 'Re-invite');
    expect(cardTitle(reinvited.card)).toBe('Invitation created');
    expect(cardFacts(reinvited.card)).toMatchObject({ 'Admin email': adminOf(T.elm), Variant: 'Global admin' });
    // The revoked token was kept as it was (a failed refresh changes nothing): the failure reads the same again.
    expect(cardText((await validate(T.elm)).card)).toContain('AADSTS50173');
  }, 20_000);

  it('90 idle days: the saved sign-in expired (70008); the sign-in was never validated in between', async () => {
    await signIn(T.fjord);
    w.sim.control.advanceClock(91 * DAY_MS);
    try {
      const { card } = await validate(T.fjord);
      expect(cardTitle(card)).toBe('Last Authentication Status: Failed');
      expect(cardText(card)).toContain('AADSTS70008');
      expect(cardText(card)).toContain('The saved sign-in expired.');
    } finally {
      w.sim.control.advanceClock(-91 * DAY_MS);
    }
  }, 20_000);

  it('an account disabled, then enabled again; consent removed, then granted again; the tenant deleted, then back', async () => {
    await signIn(T.grove);
    const cases: [() => unknown, () => unknown, string][] = [
      [() => w.sim.control.setAccountState(adminOf(T.grove), 'disabled'), () => w.sim.control.setAccountState(adminOf(T.grove), 'enabled'), 'AADSTS50057'],
      [() => w.sim.control.setAccountState(adminOf(T.grove), 'locked'), () => w.sim.control.setAccountState(adminOf(T.grove), 'enabled'), 'AADSTS50053'],
      [() => w.sim.control.removeResourceConsent({ tenant: T.grove.domain, resource: 'https://graph.microsoft.com' }), () => w.sim.control.grantResourceConsent({ tenant: T.grove.domain, resource: 'https://graph.microsoft.com' }), 'AADSTS65001'],
      [() => w.sim.control.setTenantState(T.grove.domain, 'deleted'), () => w.sim.control.setTenantState(T.grove.domain, 'active'), 'AADSTS90002'],
    ];
    for (const [breakIt, mendIt, code] of cases) {
      expect(breakIt()).toMatchObject({ ok: true });
      const failed = await validate(T.grove);
      expect(`${code}: ${cardTitle(failed.card)}`).toBe(`${code}: Last Authentication Status: Failed`);
      expect(cardText(failed.card)).toContain(code);
      expect(mendIt()).toMatchObject({ ok: true });
      expect(cardTitle((await validate(T.grove)).card)).toBe('Last Authentication Status: Successful');
    }
  }, 30_000);

  it('permissions: a consent narrowed to User.Read fails the permissions check, names what is missing and links the admin consent page', async () => {
    await signIn(T.harbor);
    w.sim.control.grantResourceConsent({ tenant: T.harbor.domain, resource: 'https://graph.microsoft.com', permissions: ['User.Read'] });
    try {
      const before = refreshGrants(T.harbor);
      const { card } = await validate(T.harbor);
      expect(cardTitle(card)).toBe('Last Authentication Status: Failed');
      expect(checksOf(card)).toMatchObject({ Token: 'Passed', Tenant: 'Passed', Account: 'Passed', Permissions: 'Failed' });
      expect(cardText(card)).toContain('The new token lacks Organization.Read.All');
      const consent = cardActions(card).find((a) => a.title === 'Grant admin consent');
      const url = new URL(consent!.url!);
      expect(`${url.origin}${url.pathname}`).toBe(`${w.sim.url}/${T.harbor.tenantId}/v2.0/adminconsent`);
      expect(url.searchParams.get('client_id')).toBe(LOCAL_CLIENT_ID);
      expect(refreshGrants(T.harbor) - before).toBe(2);
    } finally {
      w.sim.control.grantResourceConsent({ tenant: T.harbor.domain, resource: 'https://graph.microsoft.com' });
    }
    expect(cardTitle((await validate(T.harbor)).card)).toBe('Last Authentication Status: Successful');
  }, 20_000);

  it('an extra resource the tenant never consented to fails its own check (65001) with the rest passing', async () => {
    await signIn(T.cedar);
    const before = refreshGrants(T.cedar);
    const { card } = await validate(T.cedar);
    expect(cardTitle(card)).toBe('Last Authentication Status: Failed');
    expect(checksOf(card)).toEqual({ Token: 'Passed', Tenant: 'Passed', Account: 'Passed', Permissions: 'Passed', [`Resource ${TEAMS_API}`]: 'Failed' });
    expect(cardText(card)).toContain('AADSTS65001');
    expect(refreshGrants(T.cedar) - before).toBe(2);
    w.sim.control.grantResourceConsent({ tenant: T.cedar.domain, resource: TEAMS_API });
    expect(checksOf((await validate(T.cedar)).card)[`Resource ${TEAMS_API}`]).toBe('Passed');
  }, 20_000);

  describe('account', () => {
    beforeAll(() => signIn(T.iris), 20_000);

    it.each([
      ['disabled', 'The connection account is disabled'],
      ['deleted', 'The connection account no longer exists'],
    ] as const)('account: Graph /me shows the account %s after Entra issued the token', async (state, title) => {
      // Graph is slow for a moment, long enough to change the account after the refresh and before /me.
      w.sim.control.setFault({ tenant: T.iris.domain, service: 'graph', latencyMs: 600 });
      const before = refreshGrants(T.iris);
      const answer = validate(T.iris);
      await waitUntil(() => refreshGrants(T.iris) > before, 'the refresh-token grant');
      expect(w.sim.control.setAccountState(adminOf(T.iris), state)).toMatchObject({ ok: true });
      try {
        const { card } = await answer;
        expect(cardTitle(card)).toBe('Last Authentication Status: Failed');
        expect(checksOf(card)).toMatchObject({ Token: 'Passed', Account: 'Failed' });
        expect(cardText(card)).toContain(`${title}.`);
      } finally {
        w.sim.control.setAccountState(adminOf(T.iris), 'enabled');
      }
    });
  });
});

describe('two accounts in one saved sign-in: a Global admin, then a service account', () => {
  beforeAll(async () => {
    await signIn(T.juniper);
    // The service account may sign in once the tenant has consented to the app (as after an admin consent).
    expect(w.sim.control.grantAdminConsent({ tenant: T.juniper.domain, clientId: LOCAL_CLIENT_ID })).toEqual({ ok: true });
    await signIn(T.juniper, serviceAccountOf(T.juniper));
  }, 30_000);

  it('validates the connection account (the latest sign-in) and refreshes the other one too', async () => {
    const before = refreshGrants(T.juniper);
    const { card } = await validate(T.juniper);
    expect(cardTitle(card)).toBe('Last Authentication Status: Successful');
    expect(cardFacts(card).Account).toBe(serviceAccountOf(T.juniper));
    expect(cardText(card)).toContain(`${adminOf(T.juniper)}: refreshed`);
    // Graph and the extra resource for the service account, Graph for the Global admin.
    expect(refreshGrants(T.juniper) - before).toBe(3);
    const status = await staffSays(w.h, `status ${T.juniper.domain}`);
    expect(cardText(status)).toContain(`Other accounts (last validation): ${adminOf(T.juniper)}: refreshed`);
  });

  it('removes the other account once its refresh token is dead, and says so in status', async () => {
    expect(w.sim.control.revokeRefreshTokens(adminOf(T.juniper))).toMatchObject({ ok: true });
    const { card } = await validate(T.juniper);
    // The connection account is fine: the tenant's access is, too.
    expect(cardTitle(card)).toBe('Last Authentication Status: Successful');
    expect(cardText(card)).toContain(`${adminOf(T.juniper)}: removed — The saved sign-in was revoked (AADSTS50173)`);
    const status = await staffSays(w.h, `status ${T.juniper.domain}`);
    expect(cardText(status)).toContain(`Other accounts (last validation): ${adminOf(T.juniper)}: removed`);

    // Gone from the cache: the next validation redeems the service account's refresh tokens only.
    const before = refreshGrants(T.juniper);
    const again = await validate(T.juniper);
    expect(cardText(again.card)).not.toContain(adminOf(T.juniper));
    expect(refreshGrants(T.juniper) - before).toBe(2);
  });

  it('keeps the other account when its refresh is refused for a reason that can pass (MFA now required)', async () => {
    await signIn(T.juniper, adminOf(T.juniper));
    // The admin signed in last: the service account is the other one now.
    w.sim.control.setRefreshFailure({ tenant: T.juniper.domain, upn: serviceAccountOf(T.juniper), code: 50076 });
    const { card } = await validate(T.juniper);
    expect(cardFacts(card).Account).toBe(adminOf(T.juniper));
    expect(cardText(card)).toContain(`${serviceAccountOf(T.juniper)}: kept — not refreshed: Multi-factor authentication is now required (AADSTS50076)`);
    w.sim.control.clearRefreshFailures({ tenant: T.juniper.domain });
    expect(cardText((await validate(T.juniper)).card)).toContain(`${serviceAccountOf(T.juniper)}: refreshed`);
  }, 20_000);
});

describe('when Microsoft throttles, fails or is slow', () => {
  beforeAll(() => signIn(T.kestrel), 20_000);

  /** The tenant's authentication status stays what it was: an incomplete validation says nothing about the access. */
  async function expectIncomplete(card: AdaptiveCardJson, checks: Record<string, string>, words: RegExp): Promise<void> {
    expect(cardTitle(card)).toBe('Validation incomplete');
    expect(cardText(card)).toContain('Last Authentication Status stays Successful');
    expect(checksOf(card)).toMatchObject(checks);
    expect(cardText(card)).toMatch(words);
    expect(cardActions(card).map((a) => a.title)).toEqual(['Validate again', 'Tenant status']);
    const stored = await storedTenant(T.kestrel);
    expect(stored.authStatus).toBe('successful');
    expect(stored.lastValidation).toMatchObject({ ok: false, outcome: 'incomplete' });
  }

  it.each([
    [429, 7, /Microsoft Entra ID is throttling requests .*wait 7 s \(Retry-After\)/],
    [429, undefined, /Microsoft Entra ID is throttling requests .*without saying for how long/],
    [503, 3, /Microsoft Entra ID is having trouble[\s\S]*Validate again after 3 s/],
    [500, undefined, /Microsoft Entra ID is having trouble .*HTTP 500/],
    [502, undefined, /HTTP 502/],
    [504, undefined, /HTTP 504/],
  ])('Entra answers %i (Retry-After %p): incomplete, the status unchanged', async (status, retryAfterSeconds, words) => {
    w.sim.control.setFault({ tenant: T.kestrel.domain, service: 'entra', status: status as 429, retryAfterSeconds: retryAfterSeconds ?? null, times: 1 });
    const faulted = faultedTokenCalls();
    const { card, ms } = await validate(T.kestrel);
    await expectIncomplete(card, { Token: 'Incomplete', Tenant: 'Not checked' }, words);
    // The refresh-token grant went to Entra's token endpoint, and the fault answered it.
    expect(faultedTokenCalls() - faulted).toBe(1);
    expect(ms).toBeLessThan(w.h.config.timings.turnBudgetMs);
  });

  it.each([
    [429, 11, /Microsoft Graph is throttling requests .*wait 11 s \(Retry-After\)/],
    [429, undefined, /Microsoft Graph is throttling requests .*without saying for how long/],
    [503, undefined, /Microsoft Graph is having trouble .*HTTP 503/],
    [500, undefined, /Microsoft Graph is having trouble .*HTTP 500/],
  ])('Graph answers %i (Retry-After %p): the token passed, the Graph checks incomplete', async (status, retryAfterSeconds, words) => {
    w.sim.control.setFault({ tenant: T.kestrel.domain, service: 'graph', status: status as 429, retryAfterSeconds: retryAfterSeconds ?? null });
    const before = refreshGrants(T.kestrel);
    const { card } = await validate(T.kestrel);
    await expectIncomplete(card, { Token: 'Passed', Tenant: 'Incomplete', Account: 'Incomplete', Permissions: 'Passed' }, words);
    expect(refreshGrants(T.kestrel) - before).toBe(2);
  });

  it('tells the caller (the sweep) it was throttled and for how long, as a value', async () => {
    w.sim.control.setFault({ tenant: T.kestrel.domain, service: 'graph', status: 429, retryAfterSeconds: 30 });
    const result = await w.h.bot.services.tenants.validate({ tenant: { kind: 'id', value: T.kestrel.tenantId }, actor: { kind: 'system', reason: 'sweep' }, requestKey: `sweep-${Date.now()}`, trigger: 'sweep', audit: false });
    expect(result).toMatchObject({ ok: true, throttled: { service: 'graph', retryAfterSeconds: 30 }, validation: { outcome: 'incomplete', by: 'sweep', trigger: 'sweep' } });
  });

  it('Graph slower than GRAPH_TIMEOUT_MS: "Validating…" at once, then the card says Graph did not answer in time', async () => {
    w.sim.control.setFault({ tenant: T.kestrel.domain, service: 'graph', latencyMs: GRAPH_TIMEOUT_MS + 2_000 });
    const started = Date.now();
    const exchange = await w.h.say(STAFF, `validate ${T.kestrel.domain}`);
    const answeredMs = Date.now() - started;
    expect(cardTitle(exchange.card)).toBe('Validating…');
    expect(answeredMs).toBeLessThan(w.h.config.timings.turnBudgetMs);
    const sentId = await sentActivityId(exchange.activity.id);

    const updated = await waitForUpdate(sentId, 15_000);
    await expectIncomplete(updated, { Token: 'Passed', Tenant: 'Incomplete', Account: 'Incomplete' }, /Microsoft Graph did not answer in time/);
  }, 30_000);

  it('Entra slower than ENTRA_TIMEOUT_MS, from the Validate button: the invoke answers "Validating…" within its budget, then the card is replaced', async () => {
    w.sim.control.setFault({ tenant: T.kestrel.domain, service: 'entra', latencyMs: ENTRA_TIMEOUT_MS + 2_000 });
    const started = Date.now();
    const pressed = await w.h.execute(STAFF, 'tenant.validate', { verb: 'tenant.validate', tenantId: T.kestrel.tenantId });
    expect(Date.now() - started).toBeLessThan(w.h.config.timings.invokeBudgetMs);
    expect(cardTitle(pressed.card)).toBe('Validating…');
    // The card the button was on is the one replaced.
    const updated = await waitForUpdate(String(pressed.activity.replyToId), 15_000);
    await expectIncomplete(updated, { Token: 'Incomplete', Tenant: 'Not checked' }, /Microsoft Entra ID did not answer in time/);
  }, 30_000);

  it('a validation with its own short deadline (as the sweep gives each tenant) records what finished and what ran out of time', async () => {
    // Graph answers after its own timeout (GRAPH_TIMEOUT_MS, 3 s): done near the 1.5 s budget, well before that timeout.
    w.sim.control.setFault({ tenant: T.kestrel.domain, service: 'graph', latencyMs: 5_500 });
    const started = Date.now();
    const result = await w.h.bot.services.tenants.validate({ tenant: { kind: 'id', value: T.kestrel.tenantId }, actor: BOOTSTRAP_ADMIN, requestKey: `deadline-${Date.now()}`, trigger: 'sweep', budgetMs: 1_500 });
    expect(Date.now() - started).toBeLessThan(GRAPH_TIMEOUT_MS);
    expect(result.ok).toBe(true);
    const { validation } = result as Extract<ValidateResult, { ok: true }>;
    expect(validation.outcome).toBe('incomplete');
    expect(validation.checks.find((c) => c.check === 'token')?.result).toBe('passed');
    expect(validation.checks.find((c) => c.check === 'tenant')).toMatchObject({ result: 'incomplete', explanation: { title: 'The validation ran out of time' } });
    expect((await history(T.kestrel)).some((r) => r.id === validation.id)).toBe(true);
  });

  it("a write guard that says no: nothing is recorded (the deposed sweep runner's case)", async () => {
    const tenantBefore = await storedTenant(T.kestrel);
    const historyBefore = (await history(T.kestrel)).length;
    const cacheBefore = (await w.h.documents(['tokenCaches'])).tokenCaches.find((d) => d.tenantId === T.kestrel.tenantId);
    const asked: number[] = [];
    const result = await w.h.bot.services.tenants.validate({
      tenant: { kind: 'id', value: T.kestrel.tenantId },
      actor: { kind: 'system', reason: 'sweep' },
      requestKey: `fenced-${Date.now()}`,
      trigger: 'sweep',
      beforeWrite: async () => {
        asked.push(Date.now());
        return false;
      },
    });
    expect(result).toMatchObject({ ok: false, reason: 'write-refused', written: [], validation: { outcome: 'successful' } });
    expect(asked).toHaveLength(1);
    expect(await storedTenant(T.kestrel)).toEqual(tenantBefore);
    expect(await history(T.kestrel)).toHaveLength(historyBefore);
    expect((await w.h.documents(['tokenCaches'])).tokenCaches.find((d) => d.tenantId === T.kestrel.tenantId)).toEqual(cacheBefore);
  });
});

/** The id the connector gave the bot's answer to an activity. */
async function sentActivityId(activityId: string): Promise<string> {
  const index = w.h.connector.requests.findIndex((r) => {
    const body = r.body as { type?: string; replyToId?: string } | undefined;
    return r.method === 'POST' && body?.type === 'message' && body.replyToId === activityId;
  });
  expect(index).toBeGreaterThanOrEqual(0);
  // The recording connector answers request n with the id sent-n (it looks up no members in these tests).
  return `sent-${index + 1}`;
}

/** The card of the connector's PUT that replaced activity `activityId` (updateActivity). */
async function waitForUpdate(activityId: string, timeoutMs: number): Promise<AdaptiveCardJson> {
  return waitUntil(() => {
    const put = w.h.connector.requests.find((r) => r.method === 'PUT' && r.path.split('?')[0].endsWith(`/activities/${encodeURIComponent(activityId)}`));
    return (put?.body as { attachments?: { content?: AdaptiveCardJson }[] } | undefined)?.attachments?.[0]?.content;
  }, `the card ${activityId} to be replaced`, timeoutMs);
}

describe('who may validate, and what there is to validate', () => {
  it('a viewer is refused, and the refusal is audited', async () => {
    const viewer = teamsUser('3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98', 'Viewer');
    await staffSays(w.h, `staff add ${viewer.aadObjectId} viewer`);
    const card = await staffSays(w.h, `validate ${T.alpine.domain}`, viewer);
    expect(cardTitle(card)).toBe('Not allowed');
    expect(cardText(card)).toContain('**validate** needs the operator role');
  });

  it('an invited tenant nobody has signed in for yet has nothing to validate', async () => {
    const fresh = dir.tenants.find((t) => t.displayName === 'Fabrikam')!;
    await invite(w.h, fresh, adminOf(fresh));
    const card = await staffSays(w.h, `validate ${fresh.domain}`);
    expect(cardTitle(card)).toBe('Nothing to validate yet');
  });

  it('an unknown tenant is named, and the usage shown', async () => {
    const card = await staffSays(w.h, 'validate nowhere.onmicrosoft.com');
    expect(cardTitle(card)).toBe('Unknown tenant');
    expect(cardText(await staffSays(w.h, 'validate'))).toContain('validate ‹tenant domain or id›');
  });

  it('the activation notice offers Validate; its result comes as a new card and the notice stays', async () => {
    const updates = staffUpdates(w.h, (await w.h.documents(['invitations'])).invitations.find((i) => i.tenantId === T.alpine.tenantId && i.status === 'activated')!.id as string);
    const activated = updates.find((u) => u.title === 'tenant activated')!;
    expect(cardActions(activated.card).map((a) => a.title)).toContain('Validate');
    const button = cardActions(activated.card).find((a) => a.title === 'Validate')!;
    expect(button.type).toBe('Action.Submit');
    const pressed = await w.h.submit(STAFF, button.data ?? {});
    expect(cardTitle(pressed.card)).toBe('Last Authentication Status: Successful');
    expect(pressed.replies).toHaveLength(1);
    expect(pressed.replies[0].type).toBe('message');
  });
});
