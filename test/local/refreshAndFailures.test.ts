import { InteractionRequiredAuthError } from '@azure/msal-node';
import { createEntraNetworkClient, EntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { createLocalCa, LocalCa } from '../../src/local/localCa';
import {
  createIdentitySimulator,
  IdentitySimulator,
  REFRESH_FAILURE_CODES,
  SimulatedTenant,
  TEAMS_ADMIN_RESOURCE,
} from '../../src/local/identitySimulator';
import {
  callSimulator,
  CLIENT_ID,
  CONTOSO,
  CONTOSO_ADMIN,
  control,
  decodeJwtPayload,
  GRAPH_DEFAULT,
  publicClientFor,
  redeemRefreshToken,
  signInRaw,
  startDeviceCodeSignIn,
} from './identitySimulatorHarness';

const DAY_MS = 24 * 60 * 60 * 1000;
const TEAMS_DEFAULT = `${TEAMS_ADMIN_RESOURCE}/.default`;

/** A tenant of two global admins, so one user's switch can be seen not to touch the other. */
const TAILSPIN: SimulatedTenant = {
  tenantId: '4b3a2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c10',
  domain: 'tailspin.onmicrosoft.com',
  displayName: 'Tailspin Toys',
  users: [
    { upn: 'ada@tailspin.onmicrosoft.com', displayName: 'Ada Admin', oid: '4b3a2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c11', role: 'global-admin' },
    { upn: 'bo@tailspin.onmicrosoft.com', displayName: 'Bo Backup', oid: '4b3a2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c12', role: 'global-admin' },
  ],
};
const [ADA, BO] = TAILSPIN.users;

interface ErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
  claims?: string;
}

let ca: LocalCa;
beforeAll(() => {
  ca = createLocalCa();
});

/** Asserts Entra's error body shape: the description's AADSTS prefix and CRLF trace tail, ids, timestamp, error_uri. */
function expectEntraShape(simulator: IdentitySimulator, body: ErrorBody, code: number, correlationId?: string): void {
  expect(body.error_codes).toEqual([code]);
  expect(body.error_description).toMatch(
    new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 's'),
  );
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  if (correlationId) expect(body.correlation_id).toBe(correlationId);
  expect(body.error_uri).toBe(`${simulator.url}/error?code=${code}`);
}

describe('refresh tokens on the simulated clock', () => {
  let simulator: IdentitySimulator;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ ca, pollIntervalSeconds: 0.02 });
  });
  afterAll(() => simulator.close());

  it('moves the simulated clock through the control API and says where it stands', async () => {
    const before = await control<{ clock: { nowMs: number; offsetMs: number } }>(simulator, '/_sim/clock');
    const moved = await control<{ clock: { nowMs: number; offsetMs: number } }>(simulator, '/_sim/clock', { advanceDays: 1 });
    expect(moved.status).toBe(200);
    expect(moved.body.clock.offsetMs - before.body.clock.offsetMs).toBe(DAY_MS);
    expect(moved.body.clock.nowMs).toBeGreaterThanOrEqual(before.body.clock.nowMs + DAY_MS);
    const both = await control<{ issues: string[] }>(simulator, '/_sim/clock', { advanceMs: 1, advanceDays: 1 });
    expect(both.status).toBe(400);
    expect(both.body.issues.join(' ')).toMatch(/exactly one/);
    const tooFar = await control(simulator, '/_sim/clock', { advanceDays: 4000 });
    expect(tooFar.status).toBe(400);
  });

  it('lets a refresh token unused for 90 days die with AADSTS70008 (invalid_grant, bad_token)', async () => {
    const tokens = await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn });
    await control(simulator, '/_sim/clock', { advanceMs: 90 * DAY_MS - 60_000 });
    const stillAlive = await redeemRefreshToken(simulator, tokens.refresh_token);
    expect(stillAlive.status).toBe(200);

    const other = await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn });
    await control(simulator, '/_sim/clock', { advanceDays: 90 });
    const correlationId = '7c1d9e2f-3a4b-4c5d-8e6f-0a1b2c3d4e5f';
    const dead = await redeemRefreshToken(simulator, other.refresh_token, { headers: { 'client-request-id': correlationId } });
    expect(dead.status).toBe(400);
    const body = dead.json<ErrorBody>();
    expect(body).toMatchObject({ error: 'invalid_grant', suberror: 'bad_token' });
    expectEntraShape(simulator, body, 70008, correlationId);
    expect(body.error_description).toMatch(/^AADSTS70008: The provided authorization code or refresh token has expired due to inactivity\./);
  });

  it('rolls a used token: the new one lives 90 days from its use, the old one until its own window lapses', async () => {
    const first = (await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn })).refresh_token;
    await control(simulator, '/_sim/clock', { advanceDays: 60 });
    const rolled = await redeemRefreshToken(simulator, first);
    expect(rolled.status).toBe(200);
    const second = rolled.json<{ refresh_token: string }>().refresh_token;
    expect(second).toMatch(/^1\.A/);
    expect(second).not.toBe(first);

    await control(simulator, '/_sim/clock', { advanceDays: 29 }); // day 89 for the first, day 29 for the second
    expect((await redeemRefreshToken(simulator, first)).status).toBe(200);
    await control(simulator, '/_sim/clock', { advanceDays: 2 }); // day 91 / day 31
    expect((await redeemRefreshToken(simulator, first)).json<ErrorBody>().error_codes).toEqual([70008]);
    expect((await redeemRefreshToken(simulator, second)).status).toBe(200);

    await control(simulator, '/_sim/clock', { advanceMs: 59 * DAY_MS - 60_000 }); // just short of day 90 for the second
    const third = (await redeemRefreshToken(simulator, second)).json<{ refresh_token: string }>().refresh_token;
    await control(simulator, '/_sim/clock', { advanceMs: 120_000 }); // the second is past its 90 days, the third is new
    expect((await redeemRefreshToken(simulator, second)).json<ErrorBody>().error_codes).toEqual([70008]);
    expect((await redeemRefreshToken(simulator, third)).status).toBe(200);
  });

  it('answers a token issued before "revoke sessions" with AADSTS50173, naming the issue date and TokensValidFrom', async () => {
    const tokens = await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn });
    await control(simulator, '/_sim/clock', { advanceMs: 1000 });
    const revoked = await control<{ count: number }>(simulator, '/_sim/refresh-tokens/revoke', { upn: CONTOSO_ADMIN.upn });
    expect(revoked.status).toBe(200);
    expect(revoked.body.count).toBeGreaterThanOrEqual(1);
    const answer = (await redeemRefreshToken(simulator, tokens.refresh_token)).json<ErrorBody>();
    expect(answer).toMatchObject({ error: 'invalid_grant', suberror: 'bad_token' });
    expectEntraShape(simulator, answer, 50173);
    expect(answer.error_description).toMatch(/The grant was issued on '\d{4}-\d\d-\d\dT[^']+' and the TokensValidFrom date \(before which tokens are not valid\) for this user is '\d{4}-/);
    // A new sign-in is not affected.
    const fresh = await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn });
    expect((await redeemRefreshToken(simulator, fresh.refresh_token)).status).toBe(200);
  });
});

describe('refresh tokens through MSAL (the bot network client)', () => {
  let simulator: IdentitySimulator;
  let network: EntraNetworkClient;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ ca, pollIntervalSeconds: 0.02, clientIds: [CLIENT_ID] });
    network = createEntraNetworkClient({ ca: ca.caPem });
  });
  afterAll(async () => {
    network.close();
    await simulator.close();
  });

  async function signInWithMsal() {
    const client = publicClientFor(simulator, CONTOSO.tenantId, network);
    const signIn = startDeviceCodeSignIn(client, { scopes: [GRAPH_DEFAULT, 'offline_access'] });
    simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: CONTOSO_ADMIN.upn });
    const outcome = await signIn.outcome;
    if (!outcome.ok || !outcome.value?.account) throw new Error('sign-in failed');
    return { client, account: outcome.value.account };
  }

  function refreshRedemptions(stats: { token: Record<string, Record<string, number>> }): number {
    return Object.values(stats.token.refresh_token ?? {}).reduce((sum, count) => sum + count, 0);
  }

  it('redeems the refresh token when MSAL is told to forceRefresh, once per call', async () => {
    const { client, account } = await signInWithMsal();
    const before = (await control<{ stats: { token: Record<string, Record<string, number>> } }>(simulator, '/_sim/stats')).body.stats;
    const first = await client.acquireTokenSilent({ account, scopes: [GRAPH_DEFAULT], forceRefresh: true });
    const second = await client.acquireTokenSilent({ account, scopes: [GRAPH_DEFAULT], forceRefresh: true });
    const after = (await control<{ stats: { token: Record<string, Record<string, number>> } }>(simulator, '/_sim/stats')).body.stats;
    expect(refreshRedemptions(after) - refreshRedemptions(before)).toBe(2);
    expect((after.token.refresh_token?.tokens ?? 0) - (before.token.refresh_token?.tokens ?? 0)).toBe(2);
    expect(first.fromCache).toBe(false);
    expect(second.accessToken).not.toBe(first.accessToken);
  });

  it('gets a token for another resource (the Teams admin API) through the same refresh token once the tenant consents', async () => {
    const { client, account } = await signInWithMsal();
    const refused = await client.acquireTokenSilent({ account, scopes: [TEAMS_DEFAULT] }).then(
      () => undefined,
      (error: unknown) => error as InteractionRequiredAuthError,
    );
    expect(refused).toBeInstanceOf(InteractionRequiredAuthError);
    expect(network.lastTokenError(refused!.correlationId)).toMatchObject({ error: 'invalid_grant', suberror: 'consent_required', error_codes: [65001] });

    expect((await control(simulator, '/_sim/tenants/consent', { tenant: CONTOSO.domain, resource: TEAMS_ADMIN_RESOURCE })).status).toBe(200);
    const teams = await client.acquireTokenSilent({ account, scopes: [TEAMS_DEFAULT] });
    expect(decodeJwtPayload(teams.accessToken)).toMatchObject({ aud: TEAMS_ADMIN_RESOURCE, scp: 'user_impersonation', tid: CONTOSO.tenantId });
    const last = simulator.control.tokenRequestLog().at(-1);
    expect(last).toMatchObject({ grantType: 'refresh_token', answer: 'tokens' });
  });

  it('surfaces AADSTS70008 as interaction required once the refresh token has been idle for 90 days', async () => {
    const { client, account } = await signInWithMsal();
    simulator.control.advanceClock(91 * DAY_MS);
    const error = await client.acquireTokenSilent({ account, scopes: [GRAPH_DEFAULT], forceRefresh: true }).then(
      () => undefined,
      (failure: unknown) => failure as InteractionRequiredAuthError,
    );
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect(error!.errorCode).toBe('invalid_grant');
    expect(error!.subError).toBe('bad_token');
    expect(error!.errorMessage).toContain('AADSTS70008');
    expect(network.lastTokenError(error!.correlationId)).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
  });
});

describe('consent per resource', () => {
  let simulator: IdentitySimulator;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ ca, pollIntervalSeconds: 0.02 });
  });
  afterAll(() => simulator.close());

  it('answers AADSTS65001 (consent_required) once the tenant removes the consent, and works again when it is back', async () => {
    const { refresh_token: refreshToken } = await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn });
    const removed = await control<{ consents: { resource: string }[] }>(simulator, '/_sim/tenants/consent/remove', {
      tenant: CONTOSO.tenantId,
      resource: 'https://graph.microsoft.com',
    });
    expect(removed.status).toBe(200);
    expect(removed.body.consents.map((consent) => consent.resource)).not.toContain('https://graph.microsoft.com');
    const refused = (await redeemRefreshToken(simulator, refreshToken)).json<ErrorBody>();
    expect(refused).toMatchObject({ error: 'invalid_grant', suberror: 'consent_required' });
    expectEntraShape(simulator, refused, 65001);
    expect(refused.error_description).toContain(`the application with ID '${CLIENT_ID}' named 'Tenant Access'`);

    await control(simulator, '/_sim/tenants/consent', { tenant: CONTOSO.tenantId, resource: 'https://graph.microsoft.com' });
    expect((await redeemRefreshToken(simulator, refreshToken)).status).toBe(200);
  });

  it("puts exactly the consented permissions in the token's scopes, and refuses a permission outside them", async () => {
    const { refresh_token: refreshToken } = await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn });
    await control(simulator, '/_sim/tenants/consent', { tenant: CONTOSO.tenantId, resource: 'https://graph.microsoft.com', permissions: ['User.Read'] });
    const narrowed = (await redeemRefreshToken(simulator, refreshToken)).json<{ access_token: string; refresh_token: string }>();
    expect(decodeJwtPayload(narrowed.access_token).scp).toBe('User.Read');
    const named = await redeemRefreshToken(simulator, narrowed.refresh_token, { scope: 'Organization.Read.All User.Read offline_access' });
    expect(named.json<ErrorBody>().error_codes).toEqual([65001]);
    const described = await control<{ tenant: { consents: { resource: string; permissions: string[] }[] } }>(simulator, `/_sim/tenants?tenant=${CONTOSO.domain}`);
    expect(described.body.tenant.consents).toContainEqual({ resource: 'https://graph.microsoft.com', permissions: ['User.Read'] });
    await control(simulator, '/_sim/tenants/consent', { tenant: CONTOSO.tenantId, resource: 'https://graph.microsoft.com' });
  });
});

describe('refresh-failure switches', () => {
  let simulator: IdentitySimulator;
  let adaToken: string;
  let boToken: string;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ ca, tenants: [TAILSPIN], pollIntervalSeconds: 0.02 });
    adaToken = (await signInRaw(simulator, { tenant: TAILSPIN.domain, upn: ADA.upn })).refresh_token;
    boToken = (await signInRaw(simulator, { tenant: TAILSPIN.domain, upn: BO.upn })).refresh_token;
    await control(simulator, '/_sim/tenants/consent', { tenant: TAILSPIN.domain, resource: TEAMS_ADMIN_RESOURCE });
  });
  afterAll(() => simulator.close());
  afterEach(async () => {
    await control(simulator, '/_sim/refresh-failures/clear', { tenant: TAILSPIN.tenantId });
  });

  // What Entra sends for each code on the refresh grant: the OAuth error and the suberror MSAL reads.
  const expected: [code: number, error: string, suberror: string | undefined][] = [
    [70008, 'invalid_grant', 'bad_token'],
    [700082, 'invalid_grant', 'bad_token'],
    [50173, 'invalid_grant', 'bad_token'],
    [50132, 'invalid_grant', 'bad_token'],
    [70044, 'interaction_required', undefined],
    [50076, 'interaction_required', 'basic_action'],
    [50079, 'interaction_required', 'basic_action'],
    [53003, 'interaction_required', 'message_only'],
    [530033, 'interaction_required', 'message_only'],
    [65001, 'invalid_grant', 'consent_required'],
    [700016, 'unauthorized_client', undefined],
    [7000112, 'unauthorized_client', undefined],
    [50057, 'invalid_grant', undefined],
    [50053, 'invalid_grant', undefined],
    [50034, 'invalid_grant', undefined],
    [90002, 'invalid_tenant', undefined],
    [500011, 'invalid_resource', undefined],
  ];

  it('offers exactly the codes of the issue, and lists them at GET /_sim', async () => {
    expect([...REFRESH_FAILURE_CODES].sort()).toEqual(expected.map(([code]) => code).sort());
    const index = await control<{ routes: string[]; refreshFailureCodes: number[] }>(simulator, '/_sim');
    expect(index.body.routes).toContain('POST /_sim/refresh-failures');
    expect(index.body.refreshFailureCodes.sort()).toEqual([...REFRESH_FAILURE_CODES].sort());
  });

  it.each(expected.map(([code, error, suberror]) => [code, error, suberror ?? 'none', suberror] as const))(
    "answers AADSTS%i as %s (suberror: %s) in Entra's body shape while the switch is on",
    async (code, error, _shown, suberror) => {
      const set = await control(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.domain, code });
      expect(set).toEqual({ status: 200, body: { ok: true } });
      const correlationId = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
      const answer = await redeemRefreshToken(simulator, adaToken, { tenant: TAILSPIN.tenantId, headers: { 'client-request-id': correlationId } });
      expect(answer.status).toBe(400);
      expect(answer.headers['client-request-id']).toBe(correlationId);
      const body = answer.json<ErrorBody>();
      expect(body.error).toBe(error);
      expect(body.suberror).toBe(suberror);
      expectEntraShape(simulator, body, code, correlationId);
      if (code === 50076 || code === 53003) expect(JSON.parse(body.claims ?? '{}')).toHaveProperty('access_token.capolids');

      await control(simulator, '/_sim/refresh-failures/clear', { tenant: TAILSPIN.domain });
      expect((await redeemRefreshToken(simulator, adaToken, { tenant: TAILSPIN.tenantId })).status).toBe(200);
    },
  );

  it("scopes a switch to one user, and the user's switch wins over the tenant's", async () => {
    await control(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.tenantId, code: 50076, upn: ADA.upn });
    expect((await redeemRefreshToken(simulator, adaToken)).json<ErrorBody>().error_codes).toEqual([50076]);
    expect((await redeemRefreshToken(simulator, boToken)).status).toBe(200);
    await control(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.tenantId, code: 53003 });
    expect((await redeemRefreshToken(simulator, adaToken)).json<ErrorBody>().error_codes).toEqual([50076]);
    expect((await redeemRefreshToken(simulator, boToken)).json<ErrorBody>().error_codes).toEqual([53003]);
    const cleared = await control<{ count: number }>(simulator, '/_sim/refresh-failures/clear', { tenant: TAILSPIN.tenantId, upn: ADA.upn });
    expect(cleared.body.count).toBe(1);
    expect((await redeemRefreshToken(simulator, adaToken)).json<ErrorBody>().error_codes).toEqual([53003]);
  });

  it('scopes a switch to one resource: the Teams admin API fails with 500011 while Graph still works', async () => {
    await control(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.tenantId, code: 500011, resource: TEAMS_ADMIN_RESOURCE });
    expect((await redeemRefreshToken(simulator, adaToken)).status).toBe(200);
    const teams = (await redeemRefreshToken(simulator, adaToken, { scope: `${TEAMS_DEFAULT} offline_access` })).json<ErrorBody>();
    expect(teams).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
    expect(teams.error_description).toContain(`The resource principal named ${TEAMS_ADMIN_RESOURCE} was not found in the tenant named Tailspin Toys`);
  });

  it('answers only the next `times` redemptions when told so', async () => {
    await control(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.tenantId, code: 70044, times: 2 });
    expect((await redeemRefreshToken(simulator, adaToken)).status).toBe(400);
    expect((await redeemRefreshToken(simulator, boToken)).status).toBe(400);
    expect((await redeemRefreshToken(simulator, adaToken)).status).toBe(200);
  });

  it('shows the switches on the tenant, and refuses an unknown code, tenant or user', async () => {
    await control(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.tenantId, code: 65001, upn: BO.upn, times: 3 });
    const described = await control<{ tenant: { refreshFailures: unknown[] } }>(simulator, `/_sim/tenants?tenant=${TAILSPIN.tenantId}`);
    expect(described.body.tenant.refreshFailures).toEqual([{ code: 65001, upn: BO.upn, remaining: 3 }]);
    const badCode = await control<{ issues: string[] }>(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.tenantId, code: 12345 });
    expect(badCode.status).toBe(400);
    expect(badCode.body.issues.join(' ')).toMatch(/code must be one of 70008/);
    expect((await control(simulator, '/_sim/refresh-failures', { tenant: 'nobody.onmicrosoft.com', code: 70008 })).body).toEqual({ ok: false, reason: 'unknown-tenant' });
    expect((await control(simulator, '/_sim/refresh-failures', { tenant: TAILSPIN.tenantId, code: 70008, upn: CONTOSO_ADMIN.upn })).body).toEqual({
      ok: false,
      reason: 'unknown-user',
    });
  });
});

describe('accounts and tenants changed in the directory', () => {
  let simulator: IdentitySimulator;
  let network: EntraNetworkClient;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ ca, tenants: [TAILSPIN], pollIntervalSeconds: 0.02 });
    network = createEntraNetworkClient({ ca: ca.caPem });
  });
  afterAll(async () => {
    network.close();
    await simulator.close();
  });

  it.each([
    ['disabled', 50057, /^AADSTS50057: User account is disabled\./],
    ['locked', 50053, /^AADSTS50053: You've tried to sign in too many times/],
    ['deleted', 50034, /^AADSTS50034: The user account \{EUII Hidden\} does not exist in the 4b3a2c1d-[^ ]+ directory\./],
  ] as const)('refuses refresh and sign-in for a %s account with AADSTS%i, and works again once it is enabled', async (state, code, description) => {
    const { refresh_token: refreshToken } = await signInRaw(simulator, { tenant: TAILSPIN.tenantId, upn: BO.upn });
    expect((await control(simulator, '/_sim/accounts/state', { upn: BO.upn, state })).status).toBe(200);

    const refresh = (await redeemRefreshToken(simulator, refreshToken)).json<ErrorBody>();
    expect(refresh.error).toBe('invalid_grant');
    expectEntraShape(simulator, refresh, code);
    expect(refresh.error_description).toMatch(description);

    const client = publicClientFor(simulator, TAILSPIN.tenantId, network);
    const signIn = startDeviceCodeSignIn(client);
    const completed = simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: BO.upn });
    expect(completed).toEqual({ ok: true, outcome: 'success' });
    const outcome = await signIn.outcome;
    if (outcome.ok) throw new Error('expected the sign-in to fail');
    expect(network.lastTokenError(outcome.error.correlationId)).toMatchObject({ error: 'invalid_grant', error_codes: [code] });

    const page = await control<{ tenant: { users: { upn: string; state: string }[] } }>(simulator, `/_sim/tenants?tenant=${TAILSPIN.domain}`);
    expect(page.body.tenant.users.find((user) => user.upn === BO.upn)?.state).toBe(state);

    await control(simulator, '/_sim/accounts/state', { upn: BO.upn, state: 'enabled' });
    expect((await redeemRefreshToken(simulator, refreshToken)).status).toBe(200);
  });

  it("labels a disabled account on the sign-in page, and the page's result says what the app will be told", async () => {
    await control(simulator, '/_sim/accounts/state', { upn: BO.upn, state: 'disabled' });
    try {
      const start = await callSimulator(simulator, 'POST', `/${TAILSPIN.tenantId}/oauth2/v2.0/devicecode`, { form: { client_id: CLIENT_ID, scope: GRAPH_DEFAULT } });
      const userCode = start.json<{ user_code: string }>().user_code;
      const picker = await callSimulator(simulator, 'POST', '/devicelogin', { form: { otc: userCode } });
      expect(picker.text).toContain('Bo Backup — bo@tailspin.onmicrosoft.com <span class="tenant">(Tailspin Toys, Global administrator, disabled: sign-in fails with AADSTS50057)</span>');
      const done = await callSimulator(simulator, 'POST', '/devicelogin/complete', { form: { otc: userCode, upn: BO.upn, outcome: 'mfa-required' } });
      expect(done.text).toContain('data-outcome="account-disabled"');
      expect(done.text).toContain('(AADSTS50057)');
    } finally {
      await control(simulator, '/_sim/accounts/state', { upn: BO.upn, state: 'enabled' });
    }
  });

  it('answers AADSTS90002 at every authority once the tenant is deleted, and again works when it is restored', async () => {
    const { refresh_token: refreshToken } = await signInRaw(simulator, { tenant: TAILSPIN.tenantId, upn: ADA.upn });
    expect((await control(simulator, '/_sim/tenants/state', { tenant: TAILSPIN.domain, state: 'deleted' })).status).toBe(200);
    for (const tenant of [TAILSPIN.tenantId, TAILSPIN.domain, 'organizations']) {
      const answer = (await redeemRefreshToken(simulator, refreshToken, { tenant })).json<ErrorBody>();
      expect(answer).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    }
    const discovery = await control<{ error_codes: number[] }>(simulator, `/${TAILSPIN.domain}/v2.0/.well-known/openid-configuration`);
    expect(discovery).toMatchObject({ status: 400, body: { error_codes: [90002] } });
    await control(simulator, '/_sim/tenants/state', { tenant: TAILSPIN.tenantId, state: 'active' });
    expect((await redeemRefreshToken(simulator, refreshToken, { tenant: TAILSPIN.domain })).status).toBe(200);
  });
});
