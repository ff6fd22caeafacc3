import { createPublicKey, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { ConfidentialClientApplication } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import { createEntraNetworkClient, EntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { BOT_FRAMEWORK_TENANT, createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import { callSimulator, CONTOSO } from './identitySimulatorHarness';

const BOT_APP_ID = '7c4e2a19-5b3d-4f8e-9a61-0d2c3b4a5e6f';
const BOT_SECRET = 'local~bot~secret.Xy7_Qw2-Zr9';
const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';
const BOT_FRAMEWORK_TENANT_ID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';

interface Failure {
  errorCode?: string;
  errorNo?: string;
  message: string;
}

describe('client-credentials grant with real MSAL', () => {
  let simulator: IdentitySimulator;
  let network: EntraNetworkClient;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    simulator = await createIdentitySimulator({
      confidentialClients: [{ clientId: BOT_APP_ID, secret: BOT_SECRET }],
      logger: pino({ level: 'debug' }, sink),
    });
    network = createEntraNetworkClient({ ca: simulator.caPem });
  });

  afterAll(async () => {
    network.close();
    await simulator.close();
  });

  function confidentialClient(tenant: string, clientSecret = BOT_SECRET, clientId = BOT_APP_ID): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
      auth: { clientId, clientSecret, authority: `${simulator.url}/${tenant}`, knownAuthorities: [simulator.knownAuthority] },
      system: { networkClient: network },
    });
  }

  async function verifiedClaims(accessToken: string, tenant: string): Promise<jwt.JwtPayload> {
    const keys = (await callSimulator(simulator, 'GET', `/${tenant}/discovery/v2.0/keys`)).json<{ keys: Record<string, string>[] }>().keys;
    const publicKey = createPublicKey({ key: keys[0], format: 'jwk' });
    return jwt.verify(accessToken, publicKey, { algorithms: ['RS256'] }) as jwt.JwtPayload;
  }

  async function failureOf(client: ConfidentialClientApplication, scopes = [BOT_FRAMEWORK_SCOPE]) {
    const correlationId = randomUUID();
    const error = await client.acquireTokenByClientCredential({ scopes, skipCache: true, correlationId }).then(
      () => undefined,
      (failure: Failure) => failure,
    );
    if (!error) throw new Error('expected the token request to fail');
    return { error, body: network.lastTokenError(correlationId) };
  }

  it("gets a Bot Framework token at botframework.com (MultiTenant), signed with the key at that tenant's jwks_uri", async () => {
    const result = await confidentialClient('botframework.com').acquireTokenByClientCredential({ scopes: [BOT_FRAMEWORK_SCOPE], skipCache: true });
    if (!result) throw new Error('no token');
    expect(result.tokenType).toBe('Bearer');
    expect(result.account).toBeNull();
    expect(result.idToken).toBe('');

    const claims = await verifiedClaims(result.accessToken, 'botframework.com');
    expect(claims).toMatchObject({
      aud: 'https://api.botframework.com',
      iss: `${simulator.url}/${BOT_FRAMEWORK_TENANT_ID}/v2.0`,
      appid: BOT_APP_ID,
      azp: BOT_APP_ID,
      tid: BOT_FRAMEWORK_TENANT_ID,
      idtyp: 'app',
      ver: '2.0',
    });
    expect(claims.nbf).toBe(claims.iat);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3599);
    expect(claims).not.toHaveProperty('scp');
    expect(claims).not.toHaveProperty('upn');
    expect(BOT_FRAMEWORK_TENANT.tenantId).toBe(BOT_FRAMEWORK_TENANT_ID);
  });

  it('answers with an access token only, no refresh or id token', async () => {
    const response = await callSimulator(simulator, 'POST', '/botframework.com/oauth2/v2.0/token', {
      form: { grant_type: 'client_credentials', client_id: BOT_APP_ID, client_secret: BOT_SECRET, scope: BOT_FRAMEWORK_SCOPE },
    });
    expect(response.status).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
  });

  it('gets a token at a customer tenant id (SingleTenant), issued in that tenant', async () => {
    const result = await confidentialClient(CONTOSO.tenantId).acquireTokenByClientCredential({ scopes: [BOT_FRAMEWORK_SCOPE], skipCache: true });
    if (!result) throw new Error('no token');
    const claims = await verifiedClaims(result.accessToken, CONTOSO.tenantId);
    expect(claims).toMatchObject({ tid: CONTOSO.tenantId, iss: `${simulator.url}/${CONTOSO.tenantId}/v2.0`, aud: 'https://api.botframework.com', idtyp: 'app' });
  });

  it('publishes OpenID metadata for botframework.com at both paths, with the tenant id in the endpoints', async () => {
    const base = `${simulator.url}/${BOT_FRAMEWORK_TENANT_ID}`;
    for (const path of ['/botframework.com/v2.0/.well-known/openid-configuration', '/botframework.com/.well-known/openid-configuration']) {
      const response = await callSimulator(simulator, 'GET', path);
      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({
        issuer: `${base}/v2.0`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      });
    }
    const byId = await callSimulator(simulator, 'GET', `/${BOT_FRAMEWORK_TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(byId.json()).toMatchObject({ issuer: `${base}/v2.0` });
  });

  it('refuses a wrong secret with AADSTS7000215 invalid_client', async () => {
    const { error, body } = await failureOf(confidentialClient('botframework.com', 'not-the-secret'));
    expect(error.errorCode).toBe('invalid_client');
    expect(error.message).toContain('7000215');
    expect(body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(body?.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
  });

  it('refuses an unknown app with AADSTS700016 unauthorized_client', async () => {
    const stranger = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const { error, body } = await failureOf(confidentialClient('botframework.com', BOT_SECRET, stranger));
    expect(error.errorCode).toBe('unauthorized_client');
    expect(body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    expect(body?.error_description).toContain(`Application with identifier '${stranger}' was not found in the directory 'botframework.com'`);
  });

  it('refuses a scope that is not <resource>/.default with AADSTS1002012 invalid_scope', async () => {
    const { error, body } = await failureOf(confidentialClient('botframework.com'), ['https://graph.microsoft.com/User.Read']);
    expect(error.errorCode).toBe('invalid_scope');
    expect(body).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    expect(body?.error_description).toContain('The provided value for scope https://graph.microsoft.com/User.Read is not valid');
  });

  it('refuses a missing scope, a missing secret, an unknown tenant and a tenant-less authority', async () => {
    const ask = (tenant: string, form: Record<string, string>) =>
      callSimulator(simulator, 'POST', `/${tenant}/oauth2/v2.0/token`, { form: { grant_type: 'client_credentials', client_id: BOT_APP_ID, ...form } });
    const noScope = await ask('botframework.com', { client_secret: BOT_SECRET });
    expect(noScope.status).toBe(400);
    expect(noScope.json()).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    expect((await ask('botframework.com', { scope: '/.default', client_secret: BOT_SECRET })).json()).toMatchObject({ error_codes: [1002012] });
    expect((await ask('botframework.com', { scope: BOT_FRAMEWORK_SCOPE })).json()).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
    expect((await ask('nobody.onmicrosoft.com', { scope: BOT_FRAMEWORK_SCOPE, client_secret: BOT_SECRET })).json()).toMatchObject({
      error: 'invalid_tenant',
      error_codes: [90002],
    });
    expect((await ask('organizations', { scope: BOT_FRAMEWORK_SCOPE, client_secret: BOT_SECRET })).json()).toMatchObject({ error_codes: [50059] });
  });

  it('knows botframework.com only for apps: device-code sign-in there is an unknown tenant', async () => {
    const start = await callSimulator(simulator, 'POST', '/botframework.com/oauth2/v2.0/devicecode', {
      form: { client_id: BOT_APP_ID, scope: 'https://graph.microsoft.com/.default' },
    });
    expect(start.status).toBe(400);
    expect(start.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    const poll = await callSimulator(simulator, 'POST', '/botframework.com/oauth2/v2.0/token', {
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: BOT_APP_ID, device_code: 'x' },
    });
    expect(poll.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    const consent = await callSimulator(simulator, 'GET', `/botframework.com/v2.0/adminconsent?client_id=${BOT_APP_ID}&scope=x&redirect_uri=https://bot.example/cb`);
    expect(consent.status).toBe(400);
    expect(simulator.control.grantAdminConsent({ tenant: 'botframework.com', clientId: BOT_APP_ID })).toEqual({ ok: false, reason: 'unknown-tenant' });
  });

  it('records each request in the token log and logs it, never the secret or the token', async () => {
    const before = simulator.control.tokenRequestLog().length;
    const result = await confidentialClient('botframework.com').acquireTokenByClientCredential({ scopes: [BOT_FRAMEWORK_SCOPE], skipCache: true });
    await failureOf(confidentialClient('botframework.com', 'wrong-secret-value-123'));
    const entries = simulator.control.tokenRequestLog().slice(before);
    expect(entries.map((entry) => [entry.grantType, entry.tenant, entry.clientId, entry.answer, entry.errorCode])).toEqual([
      ['client_credentials', 'botframework.com', BOT_APP_ID, 'tokens', undefined],
      ['client_credentials', 'botframework.com', BOT_APP_ID, 'invalid_client', 7000215],
    ]);
    expect(JSON.stringify(entries)).not.toContain(BOT_SECRET);
    expect(simulator.control.issuedSecrets().accessTokens).toContain(result?.accessToken);

    const log = logLines.join('');
    expect(log).toContain('"grantType":"client_credentials"');
    for (const secret of [BOT_SECRET, 'wrong-secret-value-123', result?.accessToken ?? 'missing']) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });
});

describe('confidential client options', () => {
  it('refuses duplicate client ids and empty secrets without echoing a secret', async () => {
    const duplicate = createIdentitySimulator({
      confidentialClients: [
        { clientId: 'a', secret: 'first-secret-value' },
        { clientId: 'a', secret: 'second-secret-value' },
      ],
    });
    await expect(duplicate).rejects.toThrow(/confidentialClients: client ids must be unique/);
    await expect(duplicate).rejects.not.toThrow(/secret-value/);
    await expect(createIdentitySimulator({ confidentialClients: [{ clientId: 'a', secret: '' }] })).rejects.toThrow(/confidentialClients\.0\.secret/);
  });
});
