import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { ephemeralKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { MsalDeviceCodeAuthority } from '../../src/adapters/entra/deviceCodeSignIn';
import { createEntraNetworkClient, EntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { applyCacheChanges, TokenCacheStore } from '../../src/adapters/entra/tokenCacheStore';
import { MsalTokenRefresher } from '../../src/adapters/entra/tokenRefresh';
import { MemoryTokenCacheDocs } from '../../src/adapters/memory/memoryStores';
import { systemClock } from '../../src/clock';
import { createLogger } from '../../src/log';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import type { TokenCacheDocs, TokenRefreshSession } from '../../src/usecases/ports';
import { CLIENT_ID, CONTOSO, CONTOSO_ADMIN, CONTOSO_SERVICE } from '../local/identitySimulatorHarness';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];

/** The memory store, counting what a session costs it. */
function countingDocs(): TokenCacheDocs & { reads: number; writes: number; changes: number } {
  const inner = new MemoryTokenCacheDocs();
  const counted = {
    reads: 0,
    writes: 0,
    changes: 0,
    get: (t: string) => (counted.reads++, inner.get(t)),
    getVersioned: (t: string) => (counted.reads++, inner.getVersioned(t)),
    replaceIfUnchanged: (doc: Parameters<TokenCacheDocs['replaceIfUnchanged']>[0], v: string) => (counted.writes++, inner.replaceIfUnchanged(doc, v)),
    put: (doc: Parameters<TokenCacheDocs['put']>[0]) => (counted.writes++, inner.put(doc)),
    change: (t: string, next: Parameters<TokenCacheDocs['change']>[1]) => (counted.changes++, inner.change(t, next)),
  };
  return counted;
}

describe('MsalTokenRefresher: the refresh-token grant on a sealed cache opened once', () => {
  let simulator: IdentitySimulator;
  let net: EntraNetworkClient;
  const box = new SecretBox(ephemeralKeyring());
  const logger = createLogger('silent');

  beforeAll(async () => {
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0.02 });
    net = createEntraNetworkClient({ ca: simulator.caPem });
    simulator.control.grantAdminConsent({ tenant: CONTOSO.tenantId, clientId: CLIENT_ID });
  });
  afterAll(async () => {
    net.close();
    await simulator.close();
  });

  async function signedInCache(upn: string): Promise<string> {
    const authority = new MsalDeviceCodeAuthority({ clientId: CLIENT_ID, authorityHost: simulator.url, scopes: ['https://graph.microsoft.com/User.Read'], networkClient: net, logger });
    let session!: ReturnType<MsalDeviceCodeAuthority['start']>;
    const code = new Promise<string>((resolve) => (session = authority.start(CONTOSO.tenantId, (p) => resolve(p.userCode))));
    expect(simulator.control.completeDeviceCode({ userCode: await code, upn }).ok).toBe(true);
    const outcome = await session.outcome;
    if (!outcome.ok) throw new Error('sign-in failed');
    return outcome.serializedCache;
  }

  async function world(upns: string[]) {
    const docs = countingDocs();
    const caches = new TokenCacheStore(docs, sealerOf(box), systemClock);
    for (const upn of upns) await caches.merge(CONTOSO.tenantId, await signedInCache(upn));
    docs.reads = 0;
    docs.writes = 0;
    docs.changes = 0;
    const refresher = new MsalTokenRefresher({ clientId: CLIENT_ID, authorityHost: simulator.url, networkClient: net, caches, logger });
    return { docs, caches, refresher };
  }

  const refreshGrants = () => simulator.control.tokenRequestLog().filter((e) => e.grantType === 'refresh_token').length;
  const refreshTokensIn = (serialized: string) => Object.values(JSON.parse(serialized).RefreshToken as Record<string, { secret: string }>).map((r) => r.secret).sort();

  async function open(refresher: MsalTokenRefresher): Promise<TokenRefreshSession> {
    const opened = await refresher.open(CONTOSO.tenantId);
    if (!opened.ok) throw new Error(opened.reason);
    return opened.session;
  }

  it('redeems the refresh token (never a cached access token), reads the permissions from the token, and writes the rolled cache once', async () => {
    const { docs, caches, refresher } = await world([CONTOSO_ADMIN.upn]);
    const before = await caches.load(CONTOSO.tenantId);
    docs.reads = 0;
    const session = await open(refresher);
    expect(session.accounts.map((a) => a.username)).toEqual([CONTOSO_ADMIN.upn]);
    expect(session.accounts[0]).toMatchObject({ tenantId: CONTOSO.tenantId, objectId: CONTOSO_ADMIN.oid });

    const grants = refreshGrants();
    const first = await session.refresh(session.accounts[0], GRAPH_DEFAULT);
    const second = await session.refresh(session.accounts[0], GRAPH_DEFAULT);
    expect(refreshGrants() - grants).toBe(2);
    expect(first).toMatchObject({ ok: true, permissions: expect.arrayContaining(['User.Read', 'Organization.Read.All']) });
    expect(second.ok && first.ok && second.accessToken !== first.accessToken).toBe(true);
    expect(session.changed).toBe(true);
    await session.save();

    expect(docs).toMatchObject({ reads: 1, writes: 1, changes: 0 });
    const after = await caches.load(CONTOSO.tenantId);
    expect(refreshTokensIn(after!)).not.toEqual(refreshTokensIn(before!));
  });

  it('leaves the cache as it was when Entra refuses (MSAL would drop the refresh token it calls bad)', async () => {
    const { docs, caches, refresher } = await world([CONTOSO_ADMIN.upn]);
    const before = await caches.load(CONTOSO.tenantId);
    simulator.control.setRefreshFailure({ tenant: CONTOSO.tenantId, code: 50173, times: 1 });
    const session = await open(refresher);
    const refused = await session.refresh(session.accounts[0], GRAPH_DEFAULT);
    expect(refused).toMatchObject({ ok: false, failure: { kind: 'entra', error: { errorCodes: [50173] }, status: 400 } });
    expect(session.changed).toBe(false);
    await session.save();
    expect(docs.writes).toBe(0);
    expect(await caches.load(CONTOSO.tenantId)).toBe(before);
    // The refresh token the failure left is still the one that works.
    expect((await session.refresh(session.accounts[0], GRAPH_DEFAULT)).ok).toBe(true);
  });

  it('passes on Entra throttling with its Retry-After, as a transport failure', async () => {
    const { refresher } = await world([CONTOSO_ADMIN.upn]);
    simulator.control.setFault({ tenant: CONTOSO.tenantId, service: 'entra', status: 429, retryAfterSeconds: 6, times: 1 });
    const session = await open(refresher);
    expect(await session.refresh(session.accounts[0], GRAPH_DEFAULT)).toMatchObject({ ok: false, failure: { kind: 'transport', failure: { kind: 'http-status', status: 429, retryAfterSeconds: 6 } }, retryAfterSeconds: 6 });
  });

  it('removes an account, and keeps what another writer stored meanwhile (a sign-in that merged an account)', async () => {
    const { docs, caches, refresher } = await world([CONTOSO_ADMIN.upn, CONTOSO_SERVICE.upn]);
    const session = await open(refresher);
    expect(session.accounts.map((a) => a.username).sort()).toEqual([CONTOSO_ADMIN.upn, CONTOSO_SERVICE.upn].sort());
    const admin = session.accounts.find((a) => a.username === CONTOSO_ADMIN.upn)!;
    const service = session.accounts.find((a) => a.username === CONTOSO_SERVICE.upn)!;
    expect((await session.refresh(service, GRAPH_DEFAULT)).ok).toBe(true);
    await session.remove(admin);

    // Between the read and the write, the admin signs in again: that sign-in is kept, the removal of the old entries too.
    const again = await signedInCache(CONTOSO_ADMIN.upn);
    await caches.merge(CONTOSO.tenantId, again);
    const changesBefore = docs.changes;
    await session.save();
    // The conditional replace lost to the merge; the changes went onto what the merge stored.
    expect(docs.changes - changesBefore).toBe(1);
    const stored = JSON.parse((await caches.load(CONTOSO.tenantId))!);
    const secrets = Object.values(stored.RefreshToken as Record<string, { secret: string; home_account_id: string }>);
    expect(secrets.map((r) => r.secret)).toEqual(expect.arrayContaining(refreshTokensIn(again)));
    expect(Object.values(stored.Account as Record<string, { username: string }>).map((a) => a.username).sort()).toEqual([CONTOSO_ADMIN.upn, CONTOSO_SERVICE.upn].sort());
  }, 15_000);

  it("asks for the tenant's OpenID configuration once, not at every session", async () => {
    const { refresher } = await world([CONTOSO_ADMIN.upn]);
    const discovery = () => (simulator.control.stats().http['openid-configuration'] as Record<string, number> | undefined)?.['200'] ?? 0;
    const before = discovery();
    for (let i = 0; i < 3; i++) {
      const session = await open(refresher);
      expect((await session.refresh(session.accounts[0], GRAPH_DEFAULT)).ok).toBe(true);
    }
    expect(discovery() - before).toBe(1);
  });

  it('says so when there is no cache, or one sealed with a key it does not have', async () => {
    const docs = countingDocs();
    const caches = new TokenCacheStore(docs, sealerOf(box), systemClock);
    const refresher = new MsalTokenRefresher({ clientId: CLIENT_ID, authorityHost: simulator.url, networkClient: net, caches, logger });
    expect(await refresher.open(CONTOSO.tenantId)).toEqual({ ok: false, reason: 'no-cache' });
    await new TokenCacheStore(docs, sealerOf(new SecretBox(ephemeralKeyring())), systemClock).save(CONTOSO.tenantId, '{}');
    expect(await refresher.open(CONTOSO.tenantId)).toEqual({ ok: false, reason: 'unreadable' });
  });
});

describe('applyCacheChanges', () => {
  const cache = (entries: Record<string, Record<string, unknown>>) => JSON.stringify(entries);

  it('leaves an entry another writer rewrote since as theirs', () => {
    const before = cache({ RefreshToken: { a: { secret: 'a1' } } });
    const after = cache({ RefreshToken: {} });
    const now = cache({ RefreshToken: { a: { secret: 'a-new-sign-in' } } });
    expect(JSON.parse(applyCacheChanges(now, before, after))).toEqual({ RefreshToken: { a: { secret: 'a-new-sign-in' } } });
    expect(JSON.parse(applyCacheChanges(now, before, cache({ RefreshToken: { a: { secret: 'a2' } } })))).toEqual({ RefreshToken: { a: { secret: 'a-new-sign-in' } } });
  });

  it("leaves every entry of an account another writer touched since: a removal does not take a new sign-in's account away", () => {
    const before = cache({ Account: { a: { home_account_id: 'A', u: 'a' } }, RefreshToken: { ra: { home_account_id: 'A', secret: 'old' } } });
    const after = cache({ Account: {}, RefreshToken: {} });
    const now = cache({ Account: { a: { home_account_id: 'A', u: 'a' } }, RefreshToken: { ra: { home_account_id: 'A', secret: 'new' } } });
    expect(JSON.parse(applyCacheChanges(now, before, after))).toEqual(JSON.parse(now));
  });

  it('applies what changed from before to after onto what is stored now, keeping what others added', () => {
    const before = cache({ RefreshToken: { a: { secret: 'a1' }, b: { secret: 'b1' } }, Account: { a: { u: 'a' }, b: { u: 'b' } } });
    const after = cache({ RefreshToken: { a: { secret: 'a2' } }, Account: { a: { u: 'a' } } });
    const now = cache({ RefreshToken: { a: { secret: 'a1' }, b: { secret: 'b1' }, c: { secret: 'c1' } }, Account: { a: { u: 'a' }, b: { u: 'b' }, c: { u: 'c' } } });
    expect(JSON.parse(applyCacheChanges(now, before, after))).toEqual({ RefreshToken: { a: { secret: 'a2' }, c: { secret: 'c1' } }, Account: { a: { u: 'a' }, c: { u: 'c' } } });
  });

  it('adds a section that only the change has', () => {
    expect(JSON.parse(applyCacheChanges('{}', '{}', cache({ AccessToken: { x: { secret: 's' } } })))).toEqual({ AccessToken: { x: { secret: 's' } } });
  });
});
