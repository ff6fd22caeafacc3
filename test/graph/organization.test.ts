import { Agent } from 'node:https';
import { GraphOrganizationReader } from '../../src/adapters/graph/organization';
import { GraphSignedInUserReader } from '../../src/adapters/graph/signedInUser';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import { CONTOSO, CONTOSO_ADMIN, signInRaw } from '../local/identitySimulatorHarness';

describe('GraphOrganizationReader (GET /v1.0/organization)', () => {
  let simulator: IdentitySimulator;
  let reader: GraphOrganizationReader;
  let accessToken: string;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0.02 });
    reader = new GraphOrganizationReader(simulator.url, new Agent({ ca: simulator.caPem }));
    accessToken = (await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn, scope: 'https://graph.microsoft.com/Organization.Read.All https://graph.microsoft.com/User.Read' })).access_token;
  });
  afterAll(async () => {
    await simulator.close();
  });

  it("names the token's organization: id, display name, verified domains", async () => {
    const result = await reader.read(accessToken);
    expect(result).toEqual({ ok: true, organization: { id: CONTOSO.tenantId, displayName: 'Contoso', domains: [CONTOSO.domain] } });
  });

  it('says unauthorized for a bad token, throttled on 429, unavailable when Graph cannot be reached', async () => {
    expect(await reader.read('not-a-token')).toEqual({ ok: false, reason: 'unauthorized', status: 401 });
    simulator.control.throttleGraph(1, 1);
    expect(await reader.read(accessToken)).toEqual({ ok: false, reason: 'throttled', status: 429, retryAfterSeconds: 1 });
    expect(await new GraphOrganizationReader('https://127.0.0.1:1').read(accessToken)).toEqual({ ok: false, reason: 'unavailable' });
  });

  it('says throttled without a wait when Graph gives none, unavailable with the status on 5xx, timeout when Graph is slower than allowed', async () => {
    simulator.control.setFault({ service: 'graph', status: 429, times: 1 });
    expect(await reader.read(accessToken)).toEqual({ ok: false, reason: 'throttled', status: 429 });
    simulator.control.setFault({ service: 'graph', status: 503, retryAfterSeconds: 4, times: 1 });
    expect(await reader.read(accessToken)).toEqual({ ok: false, reason: 'unavailable', status: 503, retryAfterSeconds: 4 });
    simulator.control.setFault({ service: 'graph', latencyMs: 500 });
    try {
      expect(await new GraphOrganizationReader(simulator.url, new Agent({ ca: simulator.caPem }), 100).read(accessToken)).toEqual({ ok: false, reason: 'timeout' });
    } finally {
      simulator.control.clearFaults();
    }
  });
});

describe('GraphSignedInUserReader (GET /v1.0/me)', () => {
  let simulator: IdentitySimulator;
  let reader: GraphSignedInUserReader;
  let accessToken: string;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0.02 });
    reader = new GraphSignedInUserReader(simulator.url, new Agent({ ca: simulator.caPem }));
    accessToken = (await signInRaw(simulator, { tenant: CONTOSO.tenantId, upn: CONTOSO_ADMIN.upn, scope: 'https://graph.microsoft.com/User.Read' })).access_token;
  });
  afterAll(async () => {
    await simulator.close();
  });

  it('reads the account behind the token, with accountEnabled (selected: it is not a default property)', async () => {
    expect(await reader.me(accessToken)).toEqual({ ok: true, user: { id: CONTOSO_ADMIN.oid, userPrincipalName: CONTOSO_ADMIN.upn, accountEnabled: true } });
  });

  it('sees a disabled account through a token issued before, and a deleted one as not found', async () => {
    simulator.control.setAccountState(CONTOSO_ADMIN.upn, 'disabled');
    expect(await reader.me(accessToken)).toMatchObject({ ok: true, user: { accountEnabled: false } });
    simulator.control.setAccountState(CONTOSO_ADMIN.upn, 'deleted');
    expect(await reader.me(accessToken)).toEqual({ ok: false, reason: 'not-found' });
    simulator.control.setAccountState(CONTOSO_ADMIN.upn, 'enabled');
  });

  it('passes on throttling with its Retry-After, and a refused token as unauthorized', async () => {
    simulator.control.throttleGraph(1, 3);
    expect(await reader.me(accessToken)).toEqual({ ok: false, reason: 'throttled', status: 429, retryAfterSeconds: 3 });
    expect(await reader.me('not-a-token')).toEqual({ ok: false, reason: 'unauthorized', status: 401 });
  });
});
