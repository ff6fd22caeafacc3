import { Agent } from 'node:https';
import { GraphOrganizationReader } from '../../src/adapters/graph/organization';
import { MsalDeviceCodeAuthority } from '../../src/adapters/entra/deviceCodeSignIn';
import { createEntraNetworkClient, EntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { createLogger } from '../../src/log';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import { CLIENT_ID, CONTOSO, CONTOSO_ADMIN } from '../local/identitySimulatorHarness';

describe('GraphOrganizationReader (GET /v1.0/organization)', () => {
  let simulator: IdentitySimulator;
  let net: EntraNetworkClient;
  let reader: GraphOrganizationReader;
  let accessToken: string;

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0.02 });
    net = createEntraNetworkClient({ ca: simulator.caPem });
    reader = new GraphOrganizationReader(simulator.url, new Agent({ ca: simulator.caPem }));
    const authority = new MsalDeviceCodeAuthority({
      clientId: CLIENT_ID,
      authorityHost: simulator.url,
     
      scopes: ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read'],
      networkClient: net,
      logger: createLogger('silent'),
    });
    let session!: ReturnType<MsalDeviceCodeAuthority['start']>;
    const code = new Promise<string>((resolve) => (session = authority.start(CONTOSO.tenantId, (p) => resolve(p.userCode))));
    simulator.control.completeDeviceCode({ userCode: await code, upn: CONTOSO_ADMIN.upn });
    const outcome = await session.outcome;
    if (!outcome.ok) throw new Error('sign-in failed');
    accessToken = outcome.accessToken;
  });
  afterAll(async () => {
    net.close();
    await simulator.close();
  });

  it("names the token's organization: id, display name, verified domains", async () => {
    const result = await reader.read(accessToken);
    expect(result).toEqual({ ok: true, organization: { id: CONTOSO.tenantId, displayName: 'Contoso', domains: [CONTOSO.domain] } });
  });

  it('says unauthorized for a bad token, throttled on 429, unavailable when Graph cannot be reached', async () => {
    expect(await reader.read('not-a-token')).toEqual({ ok: false, reason: 'unauthorized' });
    simulator.control.throttleGraph(1, 1);
    expect(await reader.read(accessToken)).toEqual({ ok: false, reason: 'throttled' });
    expect(await new GraphOrganizationReader('https://127.0.0.1:1').read(accessToken)).toEqual({ ok: false, reason: 'unavailable' });
  });
});
