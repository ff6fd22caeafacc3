import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { randomBytes } from 'node:crypto';
import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { VERBS } from '../../cards/verbs';
import { systemClock } from '../../src/clock';
import { parseKeyring, SecretBox, sealedSecretSchema } from '../../src/adapters/crypto/secretBox';
import { TokenCacheStore } from '../../src/adapters/entra/tokenCacheStore';
import type { SimulatedTenant } from '../../src/local/identitySimulator';
import type { ContainerName } from '../../src/adapters/cosmos/cosmosStore';
import { cardActions, cardTitle, teamsUser } from '../support/botHarness';
import {
  adminOf,
  decideOnConsentPage,
  invite,
  Invited,
  LinkPage,
  NORTHWIND,
  onBot,
  openUrlOf,
  screenOf,
  serviceAccountOf,
  simulatedDirectory,
  SignInWorld,
  STAFF,
  staffSays,
  startSignInWorld,
  waitUntil,
} from './signInDriver';

/**
 * After a whole run of the customer journeys in one bot — activated, delegated with consent,
 * declined, wrong tenant, Conditional Access, expired code, revoked and resent links, and the Teams
 * variant — no stored document and no log line holds a secret in plain text: no link or reviewer
 * token, no consent state, no device or user code, no refresh, access or id token. The values are
 * collected as the journeys run (from the cards, the page, and the identity simulator, which hands
 * out the device codes and tokens), then looked for everywhere.
 */

const dir = simulatedDirectory(['globaladmin', 'delegated', 'declined', 'wrongtenant', 'blocked', 'expired', 'revoked', 'resent', 'teams']);
const T = dir.bySlug;
const TOKEN_ENCRYPTION_KEY = `scan1:${randomBytes(32).toString('base64')}`;

let w: SignInWorld;

/** Secret values by kind, as the journeys produce them. */
const secrets = {
  linkToken: new Set<string>(),
  reviewToken: new Set<string>(),
  consentState: new Set<string>(),
  userCode: new Set<string>(),
};

beforeAll(async () => {
  w = await startSignInWorld(dir.tenants, { env: { TOKEN_ENCRYPTION_KEY, LOG_LEVEL: 'trace' } });
});

afterAll(async () => {
  await w?.h.close();
});

async function invited(tenant: SimulatedTenant, email: string, variant: 'global' | 'delegated' = 'global'): Promise<Invited> {
  const inv = await invite(w.h, tenant, email, variant);
  secrets.linkToken.add(inv.page.token);
  expect((await inv.page.open()).status).toBe(200);
  return inv;
}

async function codeOn(page: LinkPage, verb = 'signin.start'): Promise<string> {
  const { userCode } = await page.startAndGetCode(verb);
  secrets.userCode.add(userCode);
  return userCode;
}

/** Sign-in with a service account until Entra asks for approval; the reviewer's page and consent URL. */
async function untilApproval(inv: Invited, tenant: SimulatedTenant): Promise<{ reviewer: LinkPage; consentUrl: URL }> {
  w.sim.control.completeDeviceCode({ userCode: await codeOn(inv.page), upn: serviceAccountOf(tenant) });
  const pending = await inv.page.waitFor('Approval required');
  const reviewer = LinkPage.fromCard(w.h, pending.card, 'review');
  secrets.reviewToken.add(reviewer.token);
  const consentUrl = new URL(openUrlOf((await reviewer.state()).card, 'Review permissions and consent'));
  secrets.consentState.add(consentUrl.searchParams.get('state')!);
  return { reviewer, consentUrl };
}

describe('a whole run of the customer journeys', () => {
  it('Global admin: activated', async () => {
    const inv = await invited(T.globaladmin, adminOf(T.globaladmin));
    w.sim.control.completeDeviceCode({ userCode: await codeOn(inv.page), upn: adminOf(T.globaladmin) });
    await inv.page.waitFor('Tenant activated');
  });

  it('Global admin: validated (the refresh token rolls and is saved again), then Failed when Entra refuses it', async () => {
    expect(cardTitle(await staffSays(w.h, `validate ${T.globaladmin.domain}`))).toBe('Last Authentication Status: Successful');
    w.sim.control.setRefreshFailure({ tenant: T.globaladmin.domain, code: 50173, times: 1 });
    expect(cardTitle(await staffSays(w.h, `validate ${T.globaladmin.domain}`))).toBe('Last Authentication Status: Failed');
  });

  it('service account: approval, consent callback, second sign-in, activated', async () => {
    const inv = await invited(T.delegated, serviceAccountOf(T.delegated), 'delegated');
    const { consentUrl } = await untilApproval(inv, T.delegated);
    const redirect = await decideOnConsentPage(w.sim, consentUrl.toString(), 'accept');
    expect((await fetch(onBot(w.h, redirect.toString()))).status).toBe(200);
    expect((await fetch(onBot(w.h, redirect.toString()))).status).toBe(404);
    w.sim.control.completeDeviceCode({ userCode: await codeOn(inv.page), upn: serviceAccountOf(T.delegated) });
    await inv.page.waitFor('Tenant activated');
  });

  it('service account: the reviewer declines', async () => {
    const inv = await invited(T.declined, serviceAccountOf(T.declined), 'delegated');
    const { consentUrl } = await untilApproval(inv, T.declined);
    const redirect = await decideOnConsentPage(w.sim, consentUrl.toString(), 'cancel');
    expect((await fetch(onBot(w.h, redirect.toString()))).status).toBe(200);
    await inv.page.waitFor((s) => s.buttons.includes('Start again'));
  });

  it('wrong tenant: tokens issued to another organization, dropped', async () => {
    const inv = await invited(T.wrongtenant, adminOf(T.wrongtenant));
    w.sim.control.completeDeviceCode({ userCode: await codeOn(inv.page), upn: adminOf(NORTHWIND) });
    await inv.page.waitFor('Signed in to the wrong tenant');
  });

  it('Conditional Access block', async () => {
    const inv = await invited(T.blocked, adminOf(T.blocked));
    w.sim.control.completeDeviceCode({ userCode: await codeOn(inv.page), upn: adminOf(T.blocked), outcome: 'conditional-access-blocked' });
    await inv.page.waitFor('Blocked by a Conditional Access policy');
  });

  it('expired code, then New code, activated', async () => {
    const inv = await invited(T.expired, adminOf(T.expired));
    w.sim.control.expireDeviceCode(await codeOn(inv.page));
    const expired = await inv.page.waitFor((s) => s.buttons.includes('New code'));
    const fresh = await inv.page.press(expired, 'New code');
    expect(fresh.status).toBe(200);
    w.sim.control.completeDeviceCode({ userCode: await codeOn(inv.page, 'signin.refresh'), upn: adminOf(T.expired) });
    await inv.page.waitFor('Tenant activated');
  });

  it('revoked while signing in', async () => {
    const inv = await invited(T.revoked, adminOf(T.revoked));
    const userCode = await codeOn(inv.page);
    await staffSays(w.h, `revoke ${inv.id}`);
    w.sim.control.completeDeviceCode({ userCode, upn: adminOf(T.revoked) });
    expect((await inv.page.state()).gone).toBe(true);
  });

  it('resent while signing in, then activated through the new link', async () => {
    const inv = await invited(T.resent, adminOf(T.resent));
    await codeOn(inv.page);
    const fresh = LinkPage.fromCard(w.h, await staffSays(w.h, `resend ${inv.id}`));
    secrets.linkToken.add(fresh.token);
    expect((await fresh.open()).status).toBe(200);
    w.sim.control.completeDeviceCode({ userCode: await codeOn(fresh), upn: adminOf(T.resent) });
    await fresh.waitFor('Tenant activated');
  });

  it('in Teams: invite … here, the admin signs in through the card', async () => {
    const user = T.teams.users.find((u) => u.role === 'global-admin')!;
    const admin = teamsUser(user.oid, 'Teams admin', T.teams.tenantId);
    w.h.connector.members.set(`29:1${user.oid}`, { id: `29:1${user.oid}`, name: admin.name, aadObjectId: user.oid, email: user.upn, userPrincipalName: user.upn });
    const posted = await w.h.say(STAFF, `invite ${T.teams.domain} ${user.upn} global here`, { place: 'channel' });
    const invitationId = String(cardActions(posted.card!).find((a) => a.verb === VERBS.startSignIn)!.data!.invitationId);
    const press = async (verb: string) => screenOf(200, { card: (await w.h.execute(admin, verb, { verb, invitationId }, { place: 'channel' })).card });
    await press(VERBS.startSignIn);
    const withCode = await waitUntil(async () => {
      const s = await press(VERBS.refreshFlow);
      return s.userCode ? s : undefined;
    }, 'the code in Teams');
    secrets.userCode.add(withCode.userCode!);
    w.sim.control.completeDeviceCode({ userCode: withCode.userCode!, upn: user.upn });
    await waitUntil(async () => (await press(VERBS.refreshFlow)).title === 'Tenant activated', 'activation in Teams');
  });
});

/** Where each secret value turns up: `<kind> in <place>`. */
function findLeaks(places: Map<string, string>, values: Record<string, Iterable<string>>): string[] {
  const leaks: string[] = [];
  for (const [kind, set] of Object.entries(values)) {
    for (const value of set) {
      for (const [where, text] of places) if (text.includes(value)) leaks.push(`${kind} in ${where}`);
    }
  }
  return leaks;
}

/** A JWT: three base64url parts, header and payload JSON objects. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

describe('after the run', () => {
  let places: Map<string, string>;
  let issued: ReturnType<typeof w.sim.control.issuedSecrets>;

  beforeAll(async () => {
    // Background notifications of the last journey settle first.
    await new Promise((r) => setTimeout(r, 300));
    const docs = await w.h.documents();
    places = new Map<string, string>();
    for (const [container, list] of Object.entries(docs) as [ContainerName, Record<string, unknown>[]][]) {
      for (const doc of list) places.set(`${container}/${String(doc.id)}`, JSON.stringify(doc));
    }
    w.h.logs.lines.forEach((line, i) => places.set(`log line ${i + 1}`, line));
    issued = w.sim.control.issuedSecrets();
  });

  it('collected what it looks for, and the scan finds a planted secret', () => {
    // Every journey showed codes and links; the simulator handed out a device code per code shown
    // and tokens for each successful sign-in (five activated tenants, one wrong tenant) and for the
    // successful validation (a refresh-token grant rolls the refresh token).
    expect(secrets.linkToken.size).toBe(9);
    expect(secrets.reviewToken.size).toBe(2);
    expect(secrets.consentState.size).toBe(2);
    expect(secrets.userCode.size).toBe(12);
    expect(issued.deviceCodes.length).toBe(secrets.userCode.size);
    expect(issued.refreshTokens.length).toBe(7);
    expect(issued.accessTokens.length).toBe(7);
    expect(places.size).toBeGreaterThan(100);

    const planted = new Map([['planted', `{"note":"x${[...secrets.userCode][0]}y","t":"${issued.accessTokens[0]}"}`]]);
    expect(findLeaks(planted, { userCode: secrets.userCode })).toEqual(['userCode in planted']);
    expect(JWT.test(planted.get('planted')!)).toBe(true);
  });

  it('finds none of them in any stored document or log line', () => {
    const leaks = findLeaks(places, {
      ...secrets,
      deviceCode: issued.deviceCodes,
      refreshToken: issued.refreshTokens,
      accessToken: issued.accessTokens,
      idToken: issued.idTokens,
    });
    expect(leaks).toEqual([]);
    expect([...places].filter(([, text]) => JWT.test(text)).map(([where]) => where)).toEqual([]);
  });

  it('keeps each MSAL cache only sealed, and the sealed cache opens with the key to the right account', async () => {
    const docs = (await w.h.documents(['tokenCaches'])).tokenCaches;
    const activated = [T.globaladmin, T.delegated, T.expired, T.resent, T.teams];
    expect(docs.map((d) => d.tenantId).sort()).toEqual(activated.map((t) => t.tenantId).sort());

    const keyring = parseKeyring(TOKEN_ENCRYPTION_KEY);
    if (!keyring.ok) throw new Error(keyring.message);
    const box = new SecretBox(keyring.keyring);
    const caches = new TokenCacheStore(w.h.bot.stores.tokenCacheDocs, sealerOf(box), systemClock);
    for (const doc of docs) {
      expect(Object.keys(doc).filter((k) => !k.startsWith('_')).sort()).toEqual(['id', 'sealed', 'tenantId', 'updatedAt']);
      expect(sealedSecretSchema.safeParse(doc.sealed).success).toBe(true);
      expect((doc.sealed as { kid: string }).kid).toBe('scan1');

      const tenant = activated.find((t) => t.tenantId === doc.tenantId)!;
      const opened = JSON.parse((await caches.load(tenant.tenantId))!) as Record<string, Record<string, Record<string, string>>>;
      const accounts = Object.values(opened.Account);
      const expected = tenant === T.delegated ? serviceAccountOf(tenant) : adminOf(tenant);
      expect(accounts.map((a) => [a.username, a.realm])).toEqual([[expected, tenant.tenantId]]);
      const refresh = Object.values(opened.RefreshToken).map((t) => t.secret);
      expect(refresh).toHaveLength(1);
      expect(issued.refreshTokens.includes(refresh[0])).toBe(true);
      const access = Object.values(opened.AccessToken);
      // The validated tenant also keeps the access token the refresh brought (for Graph's .default).
      expect(access.map((t) => t.client_id)).toEqual(tenant === T.globaladmin ? [LOCAL_CLIENT_ID, LOCAL_CLIENT_ID] : [LOCAL_CLIENT_ID]);
      const claims = JSON.parse(Buffer.from(access[0].secret.split('.')[1], 'base64url').toString('utf8')) as { tid: string; upn: string };
      expect(claims).toMatchObject({ tid: tenant.tenantId, upn: expected });
    }
    // A blob copied into another tenant's record does not open there.
    const [first, second] = docs;
    await w.h.bot.stores.tokenCacheDocs.put({ id: String(second.id), tenantId: String(second.tenantId), sealed: first.sealed as never, updatedAt: new Date().toISOString() });
    await expect(caches.load(String(second.tenantId))).rejects.toThrow();
  });
});
