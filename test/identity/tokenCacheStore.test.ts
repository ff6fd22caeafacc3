import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { PublicClientApplication } from '@azure/msal-node';
import { systemClock } from '../../src/clock';
import { ephemeralKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { MsalDeviceCodeAuthority } from '../../src/adapters/entra/deviceCodeSignIn';
import { createEntraNetworkClient, EntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { TokenCacheStore } from '../../src/adapters/entra/tokenCacheStore';
import { createLogger } from '../../src/log';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import { TokenCacheRepository } from '../../src/adapters/cosmos/tokenCacheRepository';
import { startTestStore, TestStore } from '../support/cosmos';
import { CLIENT_ID, CONTOSO, CONTOSO_ADMIN, FABRIKAM } from '../local/identitySimulatorHarness';

const SCOPES = ['https://graph.microsoft.com/User.Read', 'https://graph.microsoft.com/Organization.Read.All'];

describe('TokenCacheStore: MSAL caches sealed per tenant in Cosmos', () => {
  let simulator: IdentitySimulator;
  let testStore: TestStore;
  let net: EntraNetworkClient;
  let store: TokenCacheStore;
  let repository: TokenCacheRepository;
  const box = new SecretBox(ephemeralKeyring());
  const logger = createLogger('silent');

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0.02 });
    testStore = await startTestStore();
    net = createEntraNetworkClient({ ca: simulator.caPem });
    repository = new TokenCacheRepository(testStore.store.containers.tokenCaches);
    store = new TokenCacheStore(repository, sealerOf(box), systemClock);
  });
  afterAll(async () => {
    net.close();
    await simulator.close();
    await testStore.close();
  });

  async function signIn(): Promise<{ serializedCache: string; refreshToken: string }> {
    const authority = new MsalDeviceCodeAuthority({ clientId: CLIENT_ID, authorityHost: simulator.url, scopes: SCOPES, networkClient: net, logger });
    let session!: ReturnType<MsalDeviceCodeAuthority['start']>;
    const code = new Promise<string>((resolve) => {
      session = authority.start(CONTOSO.tenantId, (prompt) => resolve(prompt.userCode));
    });
    expect(simulator.control.completeDeviceCode({ userCode: await code, upn: CONTOSO_ADMIN.upn }).ok).toBe(true);
    const outcome = await session.outcome;
    if (!outcome.ok) throw new Error('sign-in failed');
    expect(outcome.account.tenantId).toBe(CONTOSO.tenantId);
    const refreshToken = Object.values(JSON.parse(outcome.serializedCache).RefreshToken as Record<string, { secret: string }>)[0].secret;
    return { serializedCache: outcome.serializedCache, refreshToken };
  }

  it('stores only a sealed blob: no refresh token, access token or id token in the document', async () => {
    const { serializedCache, refreshToken } = await signIn();
    await store.save(CONTOSO.tenantId, serializedCache);
    const doc = await repository.get(CONTOSO.tenantId);
    const text = JSON.stringify(doc);
    expect(text).not.toContain(refreshToken);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
    expect(doc?.sealed.kid).toBe(box.activeKeyId);
    expect(await store.load(CONTOSO.tenantId)).toBe(serializedCache);
  });

  it('serves a PublicClientApplication through the cache plugin, and saves the rolled refresh token sealed', async () => {
    const { serializedCache, refreshToken } = await signIn();
    await store.save(CONTOSO.tenantId, serializedCache);
    const pca = new PublicClientApplication({
      auth: { clientId: CLIENT_ID, authority: simulator.authorityFor(CONTOSO.tenantId), knownAuthorities: [simulator.knownAuthority] },
      system: { networkClient: net },
      cache: { cachePlugin: store.pluginFor(CONTOSO.tenantId) },
    });
    const [account] = await pca.getTokenCache().getAllAccounts();
    expect(account.username).toBe(CONTOSO_ADMIN.upn);
    const before = (await repository.get(CONTOSO.tenantId))!.sealed.ct;
    const result = await pca.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: true });
    expect(result.accessToken).toBeTruthy();
    const after = await repository.get(CONTOSO.tenantId);
    expect(after!.sealed.ct).not.toBe(before);
    const reopened = JSON.parse((await store.load(CONTOSO.tenantId))!);
    const newRefresh = Object.values(reopened.RefreshToken as Record<string, { secret: string }>)[0].secret;
    expect(newRefresh).not.toBe(refreshToken);
    expect(JSON.stringify(after)).not.toContain(newRefresh);
  });

  it("refuses a sealed cache copied onto another tenant's record", async () => {
    const { serializedCache } = await signIn();
    await store.save(CONTOSO.tenantId, serializedCache);
    const doc = (await repository.get(CONTOSO.tenantId))!;
    await repository.put({ ...doc, id: FABRIKAM.tenantId, tenantId: FABRIKAM.tenantId });
    await expect(store.load(FABRIKAM.tenantId)).rejects.toMatchObject({ reason: 'tampered' });
  });

  it('has nothing for a tenant that never signed in', async () => {
    expect(await store.load('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

describe('mergeSerializedCaches', () => {
  it("keeps the first account's entries when a second account signs in, the newer entry winning per key", () => {
    const { mergeSerializedCaches } = jest.requireActual('../../src/adapters/entra/tokenCacheStore') as typeof import('../../src/adapters/entra/tokenCacheStore');
    const older = JSON.stringify({ Account: { a: { user: 'admin' } }, RefreshToken: { ra: { secret: 'r1' }, shared: { secret: 'old' } }, AppMetadata: {} });
    const newer = JSON.stringify({ Account: { b: { user: 'svc' } }, RefreshToken: { rb: { secret: 'r2' }, shared: { secret: 'new' } }, IdToken: { ib: {} } });
    expect(JSON.parse(mergeSerializedCaches(older, newer))).toEqual({
      Account: { a: { user: 'admin' }, b: { user: 'svc' } },
      RefreshToken: { ra: { secret: 'r1' }, rb: { secret: 'r2' }, shared: { secret: 'new' } },
      AppMetadata: {},
      IdToken: { ib: {} },
    });
  });
});

describe('TokenCacheStore.merge under concurrency', () => {
  it('keeps both sign-ins when two finish at the same moment (conditional writes)', async () => {
    const testStore = await startTestStore('merge');
    try {
      const store = new TokenCacheStore(new TokenCacheRepository(testStore.store.containers.tokenCaches), sealerOf(new SecretBox(ephemeralKeyring())), systemClock);
      const cache = (n: number) => JSON.stringify({ Account: { [`a${n}`]: { n } }, RefreshToken: { [`r${n}`]: { secret: `s${n}` } } });
      await Promise.all([1, 2, 3, 4].map((n) => store.merge('7a1b2c3d-0000-4000-8000-000000000001', cache(n))));
      const merged = JSON.parse((await store.load('7a1b2c3d-0000-4000-8000-000000000001'))!);
      expect(Object.keys(merged.RefreshToken).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
    } finally {
      await testStore.close();
    }
  });
});
