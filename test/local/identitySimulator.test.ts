import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { Writable } from 'node:stream';
import { InteractionRequiredAuthError } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import { createEntraNetworkClient, EntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { createLocalCa, createLocalCaAsync, LocalCa } from '../../src/local/localCa';
import {
  createIdentitySimulator,
  defaultSimulatedDirectory,
  IdentitySimulator,
} from '../../src/local/identitySimulator';
import {
  callSimulator,
  CLIENT_ID,
  CONTOSO,
  CONTOSO_ADMIN,
  CONTOSO_SERVICE,
  decodeJwtPayload,
  FABRIKAM,
  FABRIKAM_SERVICE,
  GRAPH_DEFAULT,
  inputValue,
  NORTHWIND,
  NORTHWIND_ADMIN,
  publicClientFor,
  recordingNetworkClient,
  startDeviceCodeSignIn,
} from './identitySimulatorHarness';

describe('createLocalCa', () => {
  it('makes a CA and a loopback server certificate signed by it', () => {
    const ca = createLocalCa();
    const caCert = new X509Certificate(ca.caPem);
    const serverCert = new X509Certificate(ca.serverCertPem);
    expect(caCert.ca).toBe(true);
    expect(serverCert.ca).toBe(false);
    expect(serverCert.checkIssued(caCert)).toBe(true);
    expect(serverCert.verify(caCert.publicKey)).toBe(true);
    expect(serverCert.subjectAltName).toBe('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
    expect(serverCert.checkPrivateKey(createPrivateKey(ca.serverKeyPem))).toBe(true);
    expect(new Date(serverCert.validTo).getTime()).toBeGreaterThan(Date.now() + 7 * 24 * 3600 * 1000);
  });

  it('makes a different CA each time, so no two runs trust each other', async () => {
    const other = await createLocalCaAsync();
    expect(new X509Certificate(other.serverCertPem).checkIssued(new X509Certificate(other.caPem))).toBe(true);
    expect(new X509Certificate(other.serverCertPem).checkIssued(new X509Certificate(sharedCa().caPem))).toBe(false);
  });
});

describe('identity simulator with real MSAL', () => {
  let simulator: IdentitySimulator;
  let network: EntraNetworkClient;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0.05, clientIds: [CLIENT_ID] });
    network = createEntraNetworkClient({ ca: simulator.caPem });
  });

  afterAll(async () => {
    network.close();
    await simulator.close();
  });

  describe('discovery', () => {
    it('publishes Entra-shaped OpenID metadata with tenant-id endpoints for a domain', async () => {
      const response = await callSimulator(simulator, 'GET', `/${CONTOSO.domain}/v2.0/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      const metadata = response.json();
      const base = `${simulator.url}/${CONTOSO.tenantId}`;
      expect(metadata).toMatchObject({
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      });
    });

    it('keeps the {tenantid} template in the issuer for organizations, as Entra does', async () => {
      const metadata = (await callSimulator(simulator, 'GET', '/organizations/v2.0/.well-known/openid-configuration')).json();
      expect(metadata.issuer).toBe(`${simulator.url}/{tenantid}/v2.0`);
      expect(metadata.token_endpoint).toBe(`${simulator.url}/organizations/oauth2/v2.0/token`);
    });

    it('answers an unknown tenant with AADSTS90002 in Entra error shape', async () => {
      const response = await callSimulator(simulator, 'GET', '/nobody.onmicrosoft.com/v2.0/.well-known/openid-configuration');
      expect(response.status).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    });
  });

  describe('device code sign-in', () => {
    it('signs a global admin in and MSAL builds the account from the id token and client_info', async () => {
      const recorder = recordingNetworkClient(network);
      const client = publicClientFor(simulator, CONTOSO.tenantId, recorder);
      const signIn = startDeviceCodeSignIn(client);
      const userCode = await signIn.userCode;
      expect(userCode).toMatch(/^[A-Z0-9]{9}$/);
      expect(simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn })).toEqual({ ok: true, outcome: 'success' });

      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value) throw new Error(`sign-in failed: ${outcome.ok ? 'no result' : outcome.error.message}`);
      const result = outcome.value;
      expect(result.account).toMatchObject({
        tenantId: CONTOSO.tenantId,
        localAccountId: CONTOSO_ADMIN.oid,
        username: CONTOSO_ADMIN.upn,
        homeAccountId: `${CONTOSO_ADMIN.oid}.${CONTOSO.tenantId}`,
        environment: simulator.knownAuthority,
      });
      expect(result.tenantId).toBe(CONTOSO.tenantId);
      expect(result.idTokenClaims).toMatchObject({ aud: CLIENT_ID, tid: CONTOSO.tenantId, oid: CONTOSO_ADMIN.oid, preferred_username: CONTOSO_ADMIN.upn });

      const accessClaims = decodeJwtPayload(result.accessToken);
      expect(accessClaims).toMatchObject({
        tid: CONTOSO.tenantId,
        oid: CONTOSO_ADMIN.oid,
        upn: CONTOSO_ADMIN.upn,
        aud: 'https://graph.microsoft.com',
        iss: `${simulator.url}/${CONTOSO.tenantId}/v2.0`,
        scp: 'User.Read Organization.Read.All',
      });
      expect(accessClaims.exp).toEqual(expect.any(Number));

      // Polls went to the simulator only, and MSAL never asked login.microsoftonline.com for instance discovery.
      expect(recorder.urls.length).toBeGreaterThanOrEqual(3);
      for (const url of recorder.urls) expect(url.startsWith(`${simulator.url}/`)).toBe(true);
      expect(recorder.urls.some((url) => url.includes('login.microsoftonline.com'))).toBe(false);
      expect(simulator.control.pollLog(userCode).map((poll) => poll.answer).at(-1)).toBe('tokens');
    });

    it('signs tokens with the key published at jwks_uri', async () => {
      const client = publicClientFor(simulator, CONTOSO.domain, network);
      const signIn = startDeviceCodeSignIn(client);
      simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: CONTOSO_ADMIN.upn });
      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value) throw new Error('sign-in failed');

      const keys = (await callSimulator(simulator, 'GET', `/${CONTOSO.tenantId}/discovery/v2.0/keys`)).json<{ keys: Record<string, string>[] }>().keys;
      const publicKey = createPublicKey({ key: keys[0], format: 'jwk' });
      const verified = jwt.verify(outcome.value.idToken, publicKey, { algorithms: ['RS256'], audience: CLIENT_ID }) as jwt.JwtPayload;
      expect(verified.tid).toBe(CONTOSO.tenantId);
      expect(() => jwt.verify(`${outcome.value!.idToken}x`, publicKey, { algorithms: ['RS256'] })).toThrow();
    });

    it('tells MSAL the person declined, and MSAL stops polling', async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      const userCode = await signIn.userCode;
      simulator.control.declineDeviceCode(userCode);
      const outcome = await signIn.outcome;
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error.errorCode).toBe('post_request_failed');
      expect(outcome.error.message).toContain('authorization_declined');
      expect(network.lastTokenError(outcome.error.correlationId)).toMatchObject({ error: 'authorization_declined' });
    });

    it('tells MSAL the code expired', async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      const userCode = await signIn.userCode;
      simulator.control.expireDeviceCode(userCode);
      const outcome = await signIn.outcome;
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error.message).toContain('expired_token');
      expect(network.lastTokenError(outcome.error.correlationId)).toMatchObject({ error: 'expired_token', error_codes: [70019] });
      expect(simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn })).toEqual({ ok: false, reason: 'expired-code' });
    });

    it("answers MFA required with AADSTS50076 in Entra's error body shape, which the network client keeps", async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const correlationId = '0d6f5e4c-3b2a-4190-8a7b-6c5d4e3f2a10';
      const signIn = startDeviceCodeSignIn(client, { correlationId });
      simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: CONTOSO_ADMIN.upn, outcome: 'mfa-required' });
      const outcome = await signIn.outcome;
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error.message).toContain('invalid_grant');
      expect(outcome.error.message).not.toContain('50076'); // what MSAL drops, and why the network client keeps the body
      const body = network.lastTokenError(correlationId);
      expect(body).toMatchObject({
        error: 'invalid_grant',
        error_codes: [50076],
        suberror: 'basic_action',
        correlation_id: correlationId,
        error_uri: `${simulator.url}/error?code=50076`,
      });
      expect(body?.error_description).toMatch(
        /^AADSTS50076: .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: 0d6f5e4c-3b2a-4190-8a7b-6c5d4e3f2a10\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
      );
      expect(body?.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
      expect(body?.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers a Conditional Access block with AADSTS53003', async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: CONTOSO_ADMIN.upn, outcome: 'conditional-access-blocked' });
      const outcome = await signIn.outcome;
      if (outcome.ok) throw new Error('expected a failure');
      expect(network.lastTokenError(outcome.error.correlationId)).toMatchObject({ error: 'invalid_grant', error_codes: [53003] });
    });

    it("issues a token for the account's own tenant when someone signs in with another organization's account", async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: NORTHWIND_ADMIN.upn });
      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value) throw new Error('sign-in failed');
      expect(outcome.value.tenantId).toBe(NORTHWIND.tenantId);
      expect(outcome.value.tenantId).not.toBe(CONTOSO.tenantId);
      expect(decodeJwtPayload(outcome.value.accessToken).tid).toBe(NORTHWIND.tenantId);
    });

    it('refuses a device code for an app that is not registered, with AADSTS700016', async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network, '99999999-8888-4777-8666-555555555555');
      let callbackCalled = false;
      const error = await client
        .acquireTokenByDeviceCode({ scopes: [GRAPH_DEFAULT], deviceCodeCallback: () => (callbackCalled = true) })
        .then(
          () => undefined,
          (failure: { errorCode?: string; errorNo?: string }) => failure,
        );
      expect(error).toMatchObject({ errorCode: 'unauthorized_client', errorNo: '700016' });
      expect(callbackCalled).toBe(false);
    });
  });

  describe('refresh tokens', () => {
    async function signInContosoAdmin() {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: CONTOSO_ADMIN.upn });
      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value?.account) throw new Error('sign-in failed');
      return { client, result: outcome.value, account: outcome.value.account };
    }

    function refreshTokenIn(cache: string): string {
      const refreshTokens = Object.values((JSON.parse(cache) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken);
      expect(refreshTokens).toHaveLength(1);
      return refreshTokens[0].secret;
    }

    it('uses the refresh_token grant on a forced refresh and rolls the refresh token', async () => {
      const { client, result, account } = await signInContosoAdmin();
      const before = refreshTokenIn(client.getTokenCache().serialize());
      const callsBefore = simulator.control.tokenRequestLog().length;

      const refreshed = await client.acquireTokenSilent({ account, scopes: [GRAPH_DEFAULT], forceRefresh: true });

      expect(refreshed.fromCache).toBe(false);
      expect(refreshed.accessToken).not.toBe(result.accessToken);
      expect(refreshed.account?.homeAccountId).toBe(account.homeAccountId);
      const calls = simulator.control.tokenRequestLog().slice(callsBefore);
      expect(calls.map((call) => [call.grantType, call.answer])).toEqual([['refresh_token', 'tokens']]);
      expect(refreshTokenIn(client.getTokenCache().serialize())).not.toBe(before);
    });

    it('answers a revoked refresh token with invalid_grant 50173 (bad_token), which MSAL turns into interaction required', async () => {
      const { client, account } = await signInContosoAdmin();
      expect(simulator.control.revokeRefreshTokens(CONTOSO_ADMIN.upn)).toMatchObject({ ok: true });
      const error = await client.acquireTokenSilent({ account, scopes: [GRAPH_DEFAULT], forceRefresh: true }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(InteractionRequiredAuthError);
      const failure = error as InteractionRequiredAuthError;
      expect(failure.errorCode).toBe('invalid_grant');
      expect(network.lastTokenError(failure.correlationId)).toMatchObject({ error: 'invalid_grant', error_codes: [50173], suberror: 'bad_token' });
    });

    it('answers a refresh token idle for 90 days with invalid_grant 70008', async () => {
      const { client, account } = await signInContosoAdmin();
      simulator.control.expireRefreshTokens(CONTOSO_ADMIN.upn);
      const error = (await client.acquireTokenSilent({ account, scopes: [GRAPH_DEFAULT], forceRefresh: true }).then(
        () => undefined,
        (failure: unknown) => failure,
      )) as InteractionRequiredAuthError;
      expect(error).toBeInstanceOf(InteractionRequiredAuthError);
      const body = network.lastTokenError(error.correlationId);
      expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [70008], suberror: 'bad_token' });
      expect(body?.error_description).toMatch(/^AADSTS70008: The provided authorization code or refresh token has expired due to inactivity/);
    });
  });

  describe('admin consent workflow', () => {
    it('stops a service account for admin approval until an admin accepts on the adminconsent page', async () => {
      const client = publicClientFor(simulator, FABRIKAM.tenantId, network);
      const first = startDeviceCodeSignIn(client);
      const firstCode = await first.userCode;
      expect(simulator.control.completeDeviceCode({ userCode: firstCode, upn: FABRIKAM_SERVICE.upn })).toEqual({
        ok: true,
        outcome: 'admin-approval-required',
      });
      const firstOutcome = await first.outcome;
      if (firstOutcome.ok) throw new Error('expected admin approval to be required');
      expect(firstOutcome.error.message).toContain('access_denied');
      expect(network.lastTokenError(firstOutcome.error.correlationId)).toMatchObject({ error: 'access_denied', error_codes: [90094] });

      const redirectUri = 'http://127.0.0.1:3978/api/consent/callback';
      const query = new URLSearchParams({ client_id: CLIENT_ID, scope: GRAPH_DEFAULT, redirect_uri: redirectUri, state: 'inv-42.xyz' });
      const page = await callSimulator(simulator, 'GET', `/${FABRIKAM.domain}/v2.0/adminconsent?${query}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Review permissions and consent');
      expect(page.text).toContain(CLIENT_ID);
      expect(page.text).toContain('Organization.Read.All');
      expect(page.text).toMatch(/<button[^>]+id="accept"/);
      expect(page.text).toMatch(/<button[^>]+id="cancel"/);

      const form = {
        client_id: inputValue(page.text, 'client_id') ?? '',
        scope: inputValue(page.text, 'scope') ?? '',
        redirect_uri: inputValue(page.text, 'redirect_uri') ?? '',
        state: inputValue(page.text, 'state') ?? '',
        decision: 'accept',
      };
      const accepted = await callSimulator(simulator, 'POST', `/${FABRIKAM.tenantId}/v2.0/adminconsent`, { form });
      expect(accepted.status).toBe(302);
      const location = new URL(String(accepted.headers.location));
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get('admin_consent')).toBe('True');
      expect(location.searchParams.get('tenant')).toBe(FABRIKAM.tenantId);
      expect(location.searchParams.get('state')).toBe('inv-42.xyz');
      expect(location.searchParams.get('scope')).toBe(GRAPH_DEFAULT);
      expect(simulator.control.hasAdminConsent(FABRIKAM.domain, CLIENT_ID)).toBe(true);

      const second = startDeviceCodeSignIn(client);
      expect(simulator.control.completeDeviceCode({ userCode: await second.userCode, upn: FABRIKAM_SERVICE.upn })).toEqual({
        ok: true,
        outcome: 'success',
      });
      const secondOutcome = await second.outcome;
      if (!secondOutcome.ok || !secondOutcome.value) throw new Error('second sign-in failed');
      expect(secondOutcome.value.account).toMatchObject({ tenantId: FABRIKAM.tenantId, localAccountId: FABRIKAM_SERVICE.oid });
    });

    it('redirects with access_denied and no consent when the reviewer cancels', async () => {
      const form = {
        client_id: CLIENT_ID,
        scope: GRAPH_DEFAULT,
        redirect_uri: 'https://bot.example/consent',
        state: 's-1',
        decision: 'cancel',
      };
      const cancelled = await callSimulator(simulator, 'POST', `/${CONTOSO.tenantId}/v2.0/adminconsent`, { form });
      expect(cancelled.status).toBe(302);
      const location = new URL(String(cancelled.headers.location));
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('error_description')).toMatch(/^AADSTS65004/);
      expect(location.searchParams.get('state')).toBe('s-1');
      expect(location.searchParams.get('admin_consent')).toBeNull();
      expect(simulator.control.hasAdminConsent(CONTOSO.tenantId, CLIENT_ID)).toBe(false);
    });

    it('refuses adminconsent for organizations, an unknown app or a redirect that is not http(s)', async () => {
      const ask = (tenant: string, query: Record<string, string>) =>
        callSimulator(simulator, 'GET', `/${tenant}/v2.0/adminconsent?${new URLSearchParams(query)}`);
      const valid = { client_id: CLIENT_ID, scope: GRAPH_DEFAULT, redirect_uri: 'https://bot.example/cb' };
      expect((await ask('organizations', valid)).status).toBe(400);
      expect((await ask(CONTOSO.tenantId, { ...valid, client_id: 'unknown-app' })).text).toContain('AADSTS700016');
      expect((await ask(CONTOSO.tenantId, { ...valid, redirect_uri: 'javascript:alert(1)' })).status).toBe(400);
      expect((await ask(CONTOSO.tenantId, valid)).status).toBe(200);
    });
  });

  describe('sign-in pages', () => {
    it('lets a person enter the code, pick an account and finish the sign-in MSAL is waiting for', async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      const userCode = await signIn.userCode;

      const enterCode = await callSimulator(simulator, 'GET', '/devicelogin');
      expect(enterCode.status).toBe(200);
      expect(enterCode.text).toContain('<label for="user-code">Code</label>');
      expect(enterCode.text).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);

      const picker = await callSimulator(simulator, 'POST', '/devicelogin', { form: { otc: userCode.toLowerCase() } });
      expect(picker.status).toBe(200);
      expect(picker.text).toContain('id="account-megan-bowen-contoso-onmicrosoft-com"');
      expect(picker.text).toContain('id="outcome-admin-approval-required"');
      expect(picker.text).toContain('Accounts in other organizations');
      expect(inputValue(picker.text, 'otc')).toBe(userCode);

      const done = await callSimulator(simulator, 'POST', '/devicelogin/complete', {
        form: { otc: userCode, upn: CONTOSO_ADMIN.upn, outcome: 'success' },
      });
      expect(done.status).toBe(200);
      expect(done.text).toContain('data-outcome="success"');

      const outcome = await signIn.outcome;
      expect(outcome.ok && outcome.value?.account?.username).toBe(CONTOSO_ADMIN.upn);

      const again = await callSimulator(simulator, 'POST', '/devicelogin', { form: { otc: userCode } });
      expect(again.status).toBe(400);
      expect(again.text).toContain('That code has already been used');
    });

    it('shows a service account that approval is required when its organization has not consented', async () => {
      const client = publicClientFor(simulator, CONTOSO.domain, network);
      const signIn = startDeviceCodeSignIn(client);
      const userCode = await signIn.userCode;
      const done = await callSimulator(simulator, 'POST', '/devicelogin/complete', {
        form: { otc: userCode, upn: CONTOSO_SERVICE.upn, outcome: 'success' },
      });
      expect(done.text).toContain('data-outcome="admin-approval-required"');
      expect(done.text).toContain('Approval required');
      const outcome = await signIn.outcome;
      expect(outcome.ok).toBe(false);
    });

    it('asks again when the code is wrong', async () => {
      const page = await callSimulator(simulator, 'POST', '/devicelogin', { form: { otc: 'NOTACODE1' } });
      expect(page.status).toBe(400);
      expect(page.text).toContain('id="code-error"');
      expect(page.text).toContain('That code didn&#39;t work');
    });

    it('escapes what it echoes', async () => {
      const page = await callSimulator(simulator, 'GET', `/${CONTOSO.tenantId}/v2.0/adminconsent?${new URLSearchParams({
        client_id: CLIENT_ID,
        scope: GRAPH_DEFAULT,
        redirect_uri: 'https://bot.example/cb',
        state: '"><script>alert(1)</script>',
      })}`);
      expect(page.text).not.toContain('<script>');
      expect(page.text).toContain('&quot;&gt;&lt;script&gt;');
    });
  });

  describe('JSON control API', () => {
    it('completes a device code for tests in another process', async () => {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      const userCode = await signIn.userCode;
      const answer = await callSimulator(simulator, 'POST', '/_sim/devicecode/complete', {
        json: { userCode, upn: CONTOSO_ADMIN.upn, outcome: 'declined' },
      });
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ ok: true, outcome: 'declined' });
      const outcome = await signIn.outcome;
      expect(outcome.ok).toBe(false);

      const polls = await callSimulator(simulator, 'GET', `/_sim/devicecode/polls?userCode=${userCode}`);
      expect(polls.json<{ polls: { answer: string }[] }>().polls.at(-1)?.answer).toBe('authorization_declined');
    });

    it('says what is wrong with a bad control request', async () => {
      const answer = await callSimulator(simulator, 'POST', '/_sim/devicecode/complete', { json: { userCode: 'X', outcome: 'maybe' } });
      expect(answer.status).toBe(400);
      expect(answer.json<{ issues: string[] }>().issues.join(' ')).toMatch(/upn/);
      const unknown = await callSimulator(simulator, 'POST', '/_sim/devicecode/expire', { json: { userCode: 'UNKNOWN99' } });
      expect(unknown.status).toBe(404);
      expect(unknown.json()).toEqual({ ok: false, reason: 'unknown-code' });
    });
  });

  describe('polling rules', () => {
    it('answers slow_down to a poll that comes sooner than the interval, and keeps the required gap growing', async () => {
      const slow = await createIdentitySimulator({
        ca: sharedCa(),
        pollIntervalSeconds: 2,
        slowDownIncrementSeconds: 5,
      });
      try {
        const start = await callSimulator(slow, 'POST', `/${CONTOSO.tenantId}/oauth2/v2.0/devicecode`, {
          form: { client_id: CLIENT_ID, scope: `${GRAPH_DEFAULT} offline_access openid profile` },
        });
        const { device_code: deviceCode, user_code: userCode, interval, expires_in: expiresIn } = start.json<{
          device_code: string;
          user_code: string;
          interval: number;
          expires_in: number;
        }>();
        expect({ interval, expiresIn }).toEqual({ interval: 2, expiresIn: 900 });
        const poll = () =>
          callSimulator(slow, 'POST', `/${CONTOSO.tenantId}/oauth2/v2.0/token`, {
            form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: CLIENT_ID, device_code: deviceCode },
          });
        const answers = [];
        for (let i = 0; i < 3; i += 1) answers.push((await poll()).json<{ error: string }>().error);
        expect(answers).toEqual(['authorization_pending', 'slow_down', 'slow_down']);
        expect(slow.control.pollLog(userCode).map((entry) => entry.answer)).toEqual(answers);
      } finally {
        await slow.close();
      }
    });
  });

  describe('Graph', () => {
    async function tokenFor(upn: string, scopes: string[]): Promise<string> {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client, { scopes });
      simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn });
      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value) throw new Error('sign-in failed');
      return outcome.value.accessToken;
    }

    it('serves the organization and the signed-in user to a simulator token', async () => {
      const token = await tokenFor(CONTOSO_ADMIN.upn, [GRAPH_DEFAULT]);
      const headers = { authorization: `Bearer ${token}` };
      const organization = await callSimulator(simulator, 'GET', '/v1.0/organization', { headers });
      expect(organization.status).toBe(200);
      expect(organization.json()).toMatchObject({
        value: [
          {
            id: CONTOSO.tenantId,
            displayName: 'Contoso',
            verifiedDomains: [expect.objectContaining({ name: CONTOSO.domain, isDefault: true })],
          },
        ],
      });
      const me = await callSimulator(simulator, 'GET', '/v1.0/me', { headers });
      expect(me.status).toBe(200);
      expect(me.json()).toMatchObject({ id: CONTOSO_ADMIN.oid, userPrincipalName: CONTOSO_ADMIN.upn, displayName: 'Megan Bowen' });
    });

    it('answers 401 without a token, with a forged one, and 403 without a permission that reads the resource', async () => {
      const none = await callSimulator(simulator, 'GET', '/v1.0/organization');
      expect(none.status).toBe(401);
      expect(none.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });

      const token = await tokenFor(CONTOSO_ADMIN.upn, ['https://graph.microsoft.com/Mail.Read']);
      const [header, payload] = token.split('.');
      const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwtPayload(token), tid: NORTHWIND.tenantId })).toString('base64url');
      const forged = await callSimulator(simulator, 'GET', '/v1.0/me', { headers: { authorization: `Bearer ${header}.${forgedPayload}.${token.split('.')[2]}` } });
      expect(forged.status).toBe(401);
      expect(payload).not.toBe(forgedPayload);

      const narrow = await callSimulator(simulator, 'GET', '/v1.0/me', { headers: { authorization: `Bearer ${token}` } });
      expect(narrow.status).toBe(403);
      expect(narrow.json()).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    });

    it('throttles on request with 429 and Retry-After', async () => {
      const token = await tokenFor(CONTOSO_ADMIN.upn, [GRAPH_DEFAULT]);
      simulator.control.throttleGraph(1, 7);
      const headers = { authorization: `Bearer ${token}` };
      const throttled = await callSimulator(simulator, 'GET', '/v1.0/organization', { headers });
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('7');
      expect((await callSimulator(simulator, 'GET', '/v1.0/organization', { headers })).status).toBe(200);
    });
  });
});

describe('identity simulator with an injected clock', () => {
  it('lets a refresh token die after 90 idle days and a device code after its 15 minutes', async () => {
    let now = Date.now();
    const simulator = await createIdentitySimulator({ ca: sharedCa(), pollIntervalSeconds: 0.02, clock: { now: () => new Date(now) } });
    const network = createEntraNetworkClient({ ca: simulator.caPem });
    try {
      const client = publicClientFor(simulator, 'organizations', network);
      const signIn = startDeviceCodeSignIn(client);
      simulator.control.completeDeviceCode({ userCode: await signIn.userCode, upn: NORTHWIND_ADMIN.upn });
      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value?.account) throw new Error('sign-in failed');
      expect(outcome.value.tenantId).toBe(NORTHWIND.tenantId);

      now += 89 * 24 * 3600 * 1000;
      const kept = await client.acquireTokenSilent({ account: outcome.value.account, scopes: [GRAPH_DEFAULT], forceRefresh: true });
      expect(decodeJwtPayload(kept.accessToken).iat).toBe(Math.floor(now / 1000));

      now += 91 * 24 * 3600 * 1000; // the rolled token from day 89 is now 91 days idle
      const error = (await client.acquireTokenSilent({ account: outcome.value.account, scopes: [GRAPH_DEFAULT], forceRefresh: true }).then(
        () => undefined,
        (failure: unknown) => failure,
      )) as InteractionRequiredAuthError;
      expect(error).toBeInstanceOf(InteractionRequiredAuthError);
      expect(network.lastTokenError(error.correlationId)?.error_codes).toEqual([70008]);

      const late = startDeviceCodeSignIn(client);
      const lateCode = await late.userCode;
      now += 901 * 1000;
      const lateOutcome = await late.outcome;
      expect(lateOutcome.ok).toBe(false);
      expect(simulator.control.pollLog(lateCode).map((poll) => poll.answer)).toEqual(['expired_token']);
    } finally {
      network.close();
      await simulator.close();
    }
  });
});

describe('identity simulator logging', () => {
  it('logs what happened without device codes, user codes or tokens', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const simulator = await createIdentitySimulator({ ca: sharedCa(), pollIntervalSeconds: 0.05, logger: pino({ level: 'debug' }, sink) });
    const network = createEntraNetworkClient({ ca: simulator.caPem, logger: pino({ level: 'debug' }, sink) });
    try {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const signIn = startDeviceCodeSignIn(client);
      const { userCode, deviceCode } = await signIn.deviceCodeResponse;
      simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn });
      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value?.account) throw new Error('sign-in failed');
      await client.acquireTokenSilent({ account: outcome.value.account, scopes: [GRAPH_DEFAULT], forceRefresh: true });
      const cache = JSON.parse(client.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
      const refreshToken = Object.values(cache.RefreshToken)[0].secret;

      const log = lines.join('');
      expect(log).toContain('identity-simulator.token');
      expect(log).toContain('entra.http');
      for (const secret of [deviceCode, userCode, outcome.value.accessToken, outcome.value.idToken, refreshToken]) {
        expect(secret.length).toBeGreaterThan(8);
        expect(log).not.toContain(secret);
      }
      expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
    } finally {
      network.close();
      await simulator.close();
    }
  });
});

describe('identity simulator options', () => {
  it('starts with the default directory and refuses to bind anywhere but loopback', async () => {
    expect(defaultSimulatedDirectory().tenants.map((tenant) => tenant.domain)).toEqual([
      'contoso.onmicrosoft.com',
      'fabrikam.onmicrosoft.com',
      'northwind.onmicrosoft.com',
    ]);
    await expect(createIdentitySimulator({ ca: sharedCa(), host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(/host/);
    await expect(createIdentitySimulator({ ca: sharedCa(), pollIntervalSeconds: -1 })).rejects.toThrow(/pollIntervalSeconds/);
  });
});

let cachedCa: LocalCa | undefined;
function sharedCa(): LocalCa {
  cachedCa ??= createLocalCa();
  return cachedCa;
}
