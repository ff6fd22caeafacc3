import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { randomBytes } from 'node:crypto';
import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { systemClock } from '../../src/clock';
import { parseKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { isPending, type InvitationStatus } from '../../src/domain/invitation';
import { TokenCacheStore } from '../../src/adapters/entra/tokenCacheStore';
import { EmbeddedCosmos, startEmbeddedCosmos } from '../../src/local/embeddedCosmos';
import type { SimulatedTenant } from '../../src/local/identitySimulator';
import { createLocalCaAsync, type LocalCa } from '../../src/local/localCa';
import { BotHarness, cardActions, cardFacts, cardText, cardTitle } from '../support/botHarness';
import { Gate, GatedProxy, SeenRequest, startGatedProxy } from '../support/gatedProxy';
import {
  adminOf,
  invite,
  Invited,
  LinkPage,
  linkOn,
  pollingHasStopped,
  serviceAccountOf,
  simulatedDirectory,
  SignInWorld,
  sleep,
  STAFF,
  staffSays,
  staffUpdates,
  startSignInWorld,
  storedInvitation,
  tokenCacheDocs,
  waitUntil,
} from './signInDriver';

/**
 * Races between staff and a customer's sign-in, on bot instances that share one Cosmos-protocol
 * server (as instances share Cosmos DB) and one encryption key:
 *
 *   A — where the customers sign in. Its store and its Microsoft Graph go through gated proxies, so a
 *       test can stop its activation at an exact step (Graph asked, token stored, tenant written) and
 *       let a revoke or resend land right there.
 *   B — another instance on the same store, for staff commands, sweeps and reads.
 *   C — an instance with a one-second lease that "crashes" (store unreachable, poll gone, server gone).
 *
 * Leases of A and B are long and their periodic sweeps never run during the file: every sweep here
 * is called on purpose, and anything else that changes a flow is the code path under test.
 */

const dir = simulatedDirectory(['adatum', 'bellows', 'cohovineyard', 'datumcorp', 'easyrent', 'fourthfloor', 'graphicdesign', 'humongous', 'ironworks', 'jollyroger']);
const REVOKED_WHILE_ACTIVATING = dir.bySlug.adatum;
const RESENT_WHILE_ACTIVATING = dir.bySlug.bellows;
const REVOKED_AFTER_STORE = dir.bySlug.cohovineyard;
const HAD_A_TOKEN = dir.bySlug.datumcorp;
const REVOKED_ELSEWHERE = dir.bySlug.easyrent;
const HEALTHY = dir.bySlug.fourthfloor;
const CRASHED = dir.bySlug.graphicdesign;
const RACED_INVITES = dir.bySlug.humongous;
const AUDIT_DOWN = dir.bySlug.ironworks;
const SWEPT_AT_START = dir.bySlug.jollyroger;

const TOKEN_ENCRYPTION_KEY = `k1:${randomBytes(32).toString('base64')}`;
/** Long enough that no periodic sweep runs while the file does (they are called by hand). */
const QUIET_LEASE = { LEASE_TTL_MS: '3600000', LEASE_RENEW_MS: '1200000', RUNNER_LEASE_TTL_MS: '600000', RUNNER_LEASE_RENEW_MS: '200000' };
/** The instance that crashes: its lease lapses a second after its last renewal. */
const SHORT_LEASE_MS = 1_000;

let cosmos: EmbeddedCosmos;
let ca: LocalCa;
/** A's Microsoft Graph (its simulator's, behind a gate). */
let graph: GatedProxy;
/** A's and C's way to the shared store. */
let storeOfA: GatedProxy;
let storeOfC: GatedProxy;
let a: SignInWorld;
let b: SignInWorld;
/** Started by the crash test only (its short lease means a sweep every 200 ms while it runs). */
let c: SignInWorld | undefined;

function startInstance(instanceId: string, env: Record<string, string>): Promise<SignInWorld> {
  return startSignInWorld(dir.tenants, {
    env: { COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: cosmos.key, TOKEN_ENCRYPTION_KEY, ...env },
    compose: { instanceId },
    // One CA for every simulator and the Graph gate: the bots trust the simulator's CA, and so the gate.
    simulator: { ca },
  });
}

beforeAll(async () => {
  [cosmos, ca] = await Promise.all([startEmbeddedCosmos(), createLocalCaAsync()]);
  [graph, storeOfA, storeOfC] = await Promise.all([
    startGatedProxy({ tls: { certPem: ca.serverCertPem, keyPem: ca.serverKeyPem }, upstreamCaPem: ca.caPem }),
    startGatedProxy({ upstream: cosmos.endpoint }),
    startGatedProxy({ upstream: cosmos.endpoint }),
  ]);
  [a, b] = await Promise.all([
    startInstance('a', { ...QUIET_LEASE, COSMOS_ENDPOINT: storeOfA.url, GRAPH_BASE_URL: graph.url }),
    startInstance('b', QUIET_LEASE),
  ]);
  graph.upstream = a.sim.url;
});

afterEach(() => {
  // A test that failed half-way must not leave a request held for the next one.
  for (const proxy of [graph, storeOfA, storeOfC]) proxy?.reset();
});

afterAll(async () => {
  storeOfC?.restore();
  for (const world of [c, b, a]) await world?.h.close().catch(() => undefined);
  await Promise.all([graph, storeOfA, storeOfC].map((p) => p?.close()));
  await cosmos?.close();
});

// ——— what the tests look at ———

const isOrganizationRead = (r: SeenRequest) => r.method === 'GET' && r.path.startsWith('/v1.0/organization');
const isWriteOf = (container: string) => (r: SeenRequest) => (r.method === 'PUT' || r.method === 'POST') && r.path.startsWith(`/dbs/tenant-access/colls/${container}/docs`);

type TenantDoc = Record<string, unknown> & { authMode: string; authStatus: string; token?: Record<string, unknown>; lastValidation?: unknown };

async function storedTenant(tenantId: string): Promise<TenantDoc> {
  const found = (await b.h.documents(['tenants'])).tenants.find((t) => t.tenantId === tenantId);
  if (!found) throw new Error(`no stored tenant ${tenantId}`);
  return found as TenantDoc;
}

const tokenCaches = () => new TokenCacheStore(b.h.bot.stores.tokenCacheDocs, sealerOf(new SecretBox((parseKeyring(TOKEN_ENCRYPTION_KEY) as { ok: true; keyring: never }).keyring)), systemClock);

/** The tenant's stored MSAL cache, opened with the deployment's key (undefined: none stored). */
async function storedCache(tenantId: string): Promise<Record<string, Record<string, Record<string, unknown>>> | undefined> {
  const text = await tokenCaches().load(tenantId);
  return text === undefined ? undefined : JSON.parse(text);
}

/** Who the stored cache can act as: its accounts' usernames and the owners of its refresh tokens. */
async function cachedAccounts(tenant: SimulatedTenant): Promise<string[]> {
  const cache = await storedCache(tenant.tenantId);
  if (!cache) return [];
  const usernames = Object.values(cache.Account ?? {}).map((acc) => String(acc.username));
  const owners = Object.values(cache.RefreshToken ?? {}).map((rt) => String(rt.home_account_id).split('.')[0]);
  const byOid = owners.map((oid) => tenant.users.find((u) => u.oid === oid)?.upn ?? `unknown ${oid}`);
  return [...new Set([...usernames, ...byOid])].sort();
}

const everyHarness = (): BotHarness[] => [a.h, b.h, ...(c ? [c.h] : [])];
const updateTitles = (invitationId: string) => everyHarness().flatMap((h) => staffUpdates(h, invitationId)).map((u) => u.title);
async function auditActions(invitationId: string): Promise<string[]> {
  return (await b.h.documents(['audit'])).audit.filter((e) => e.target === invitationId).map((e) => String(e.action));
}
type History = { event: string; detail?: string }[];
const historyOf = async (id: string) => ((await storedInvitation(b.h, id)).history as History).map((e) => e.event);

/**
 * Waits until A's activation of the invitation has ended one way or the other (it logs how). If it
 * never says so, the assertions that follow tell what it left behind.
 */
async function activationEnded(h: BotHarness, invitationId: string): Promise<void> {
  const endings = new Set(['flow.activation-abandoned', 'flow.activation-failed', 'invitation.activate', 'invitation.fail']);
  await waitUntil(() => h.logs.records().some((r) => endings.has(String(r.event)) && r.invitationId === invitationId), `the activation of ${invitationId} to end`, 3_000).catch(() => undefined);
}

/** The gate's request is being held (or a message saying what never came, instead of a hang). */
async function reached(gate: Gate, what: string, timeoutMs = 5_000): Promise<SeenRequest> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)));
  try {
    return await Promise.race([gate.reached, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Invited (by default on the instance itself), link opened, code showing and polled, on `world`. */
async function signingIn(world: SignInWorld, tenant: SimulatedTenant, email = adminOf(tenant), invitedOn: BotHarness = world.h): Promise<{ inv: Invited; userCode: string; page: LinkPage }> {
  const inv = await invite(invitedOn, tenant, email);
  const page = inv.page.on(world.h);
  expect((await page.open()).status).toBe(200);
  const { userCode } = await page.startAndGetCode();
  await waitUntil(() => world.sim.control.pollLog(userCode).length > 0, 'the first poll');
  return { inv, userCode, page };
}

/** A tenant nobody has signed in for: no token, nothing stored. */
async function expectUntouched(tenant: SimulatedTenant): Promise<void> {
  expect(await cachedAccounts(tenant)).toEqual([]);
  const stored = await storedTenant(tenant.tenantId);
  expect(stored).toMatchObject({ authMode: 'token', authStatus: 'not_configured' });
  expect(stored.token).toBeUndefined();
}

describe('staff revoke or resend while the tenant is being activated', () => {
  it('revoke while "Signed in — activating": the invitation ends revoked, no token is stored and the tenant is not activated', async () => {
    const tenant = REVOKED_WHILE_ACTIVATING;
    const { inv, userCode, page } = await signingIn(a, tenant);
    const graphAsked = graph.holdRequest(isOrganizationRead);
    expect(a.sim.control.completeDeviceCode({ userCode, upn: adminOf(tenant) })).toMatchObject({ ok: true });

    await reached(graphAsked, 'A to ask Graph for the organization');
    expect((await page.state()).title).toBe('Signed in — activating');
    expect((await storedInvitation(b.h, inv.id)).status).toBe('token_acquired');
    expect(cardTitle(await staffSays(a.h, `revoke ${inv.id}`))).toBe('Invitation revoked');
    graphAsked.release();
    await activationEnded(a.h, inv.id);

    expect((await storedInvitation(b.h, inv.id)).status).toBe('revoked');
    expect(await tokenCacheDocs(b.h, tenant.tenantId)).toEqual([]);
    await expectUntouched(tenant);
    expect(await page.state()).toMatchObject({ status: 404, gone: true });
    expect(updateTitles(inv.id)).not.toContain('tenant activated');
    expect(await auditActions(inv.id)).not.toContain('invitation.activated');
  });

  it('resend while "Signed in — activating": nothing of that sign-in is kept, and the new link signs in and activates', async () => {
    const tenant = RESENT_WHILE_ACTIVATING;
    const { inv, userCode, page } = await signingIn(a, tenant);
    const graphAsked = graph.holdRequest(isOrganizationRead);
    a.sim.control.completeDeviceCode({ userCode, upn: adminOf(tenant) });

    await reached(graphAsked, 'A to ask Graph for the organization');
    expect((await page.state()).title).toBe('Signed in — activating');
    const resent = await staffSays(a.h, `resend ${inv.id}`);
    expect(cardTitle(resent)).toBe('Invitation resent');
    graphAsked.release();
    await activationEnded(a.h, inv.id);

    const stored = await storedInvitation(b.h, inv.id);
    expect(stored.status).toBe('created');
    expect(stored.flow).toBeUndefined();
    expect(await tokenCacheDocs(b.h, tenant.tenantId)).toEqual([]);
    await expectUntouched(tenant);
    expect(await page.state()).toMatchObject({ status: 404, gone: true });
    expect(updateTitles(inv.id)).not.toContain('tenant activated');

    // The new link starts over and works.
    const fresh = LinkPage.fromCard(a.h, resent);
    expect((await fresh.open()).status).toBe(200);
    expect((await fresh.state()).buttons).toEqual(['Start authentication']);
    const { userCode: newCode } = await fresh.startAndGetCode();
    a.sim.control.completeDeviceCode({ userCode: newCode, upn: adminOf(tenant) });
    await fresh.waitFor('Tenant activated');
    expect(await cachedAccounts(tenant)).toEqual([adminOf(tenant)]);
  });

  it('revoke landing right after the token was stored: the stored token is taken out again', async () => {
    const tenant = REVOKED_AFTER_STORE;
    const { inv, userCode } = await signingIn(a, tenant);
    const tokenStored = storeOfA.holdResponse(isWriteOf('tokenCaches'));
    a.sim.control.completeDeviceCode({ userCode, upn: adminOf(tenant) });

    await reached(tokenStored, 'the token cache write');
    // The token is in the store; A has not heard back yet.
    expect(await cachedAccounts(tenant)).toEqual([adminOf(tenant)]);
    expect(cardTitle(await staffSays(b.h, `revoke ${inv.id}`))).toBe('Invitation revoked');
    tokenStored.release();
    await activationEnded(a.h, inv.id);

    expect((await storedInvitation(b.h, inv.id)).status).toBe('revoked');
    await expectUntouched(tenant);
    expect(updateTitles(inv.id)).not.toContain('tenant activated');
  });

  it('a tenant that already had a working token keeps it: a revoke landing after the tenant was updated puts the previous token back', async () => {
    const tenant = HAD_A_TOKEN;
    // The Global admin signs in first: the tenant works with their token.
    const first = await signingIn(a, tenant);
    a.sim.control.completeDeviceCode({ userCode: first.userCode, upn: adminOf(tenant) });
    await first.page.waitFor('Tenant activated');
    const before = await storedTenant(tenant.tenantId);
    const cacheBefore = await storedCache(tenant.tenantId);
    expect(before).toMatchObject({ authMode: 'token', authStatus: 'successful', token: { account: adminOf(tenant) } });

    // Then the service account (the tenant has consented to the app), whose activation is stopped
    // once it has rewritten the tenant.
    expect(a.sim.control.grantAdminConsent({ tenant: tenant.tenantId, clientId: LOCAL_CLIENT_ID })).toEqual({ ok: true });
    const second = await signingIn(a, tenant, serviceAccountOf(tenant));
    const tenantWritten = storeOfA.holdResponse((r) => r.method === 'PUT' && r.path.startsWith('/dbs/tenant-access/colls/tenants/docs/'));
    a.sim.control.completeDeviceCode({ userCode: second.userCode, upn: serviceAccountOf(tenant) });
    await reached(tenantWritten, 'the tenant write of the second activation');
    expect((await storedTenant(tenant.tenantId)).token).toMatchObject({ account: serviceAccountOf(tenant) });
    expect(await cachedAccounts(tenant)).toEqual([adminOf(tenant), serviceAccountOf(tenant)].sort());

    expect(cardTitle(await staffSays(b.h, `revoke ${second.inv.id}`))).toBe('Invitation revoked');
    tenantWritten.release();
    await activationEnded(a.h, second.inv.id);

    expect((await storedInvitation(b.h, second.inv.id)).status).toBe('revoked');
    expect((await storedInvitation(b.h, first.inv.id)).status).toBe('activated');
    const after = await storedTenant(tenant.tenantId);
    expect({ authMode: after.authMode, authStatus: after.authStatus, token: after.token, lastValidation: after.lastValidation }).toEqual({
      authMode: before.authMode,
      authStatus: before.authStatus,
      token: before.token,
      lastValidation: before.lastValidation,
    });
    expect(await cachedAccounts(tenant)).toEqual([adminOf(tenant)]);
    expect(await storedCache(tenant.tenantId)).toEqual(cacheBefore);
    expect(updateTitles(second.inv.id)).not.toContain('tenant activated');
  });
});

describe('a revoke on any instance stops the poll', () => {
  it('revoke on instance B stops the poll that instance A runs, within a couple of poll intervals, and the code then grants nothing', async () => {
    const tenant = REVOKED_ELSEWHERE;
    const { inv, userCode, page } = await signingIn(a, tenant);
    await waitUntil(() => a.sim.control.pollLog(userCode).length >= 3, 'A to poll a few times');

    expect(cardTitle(await staffSays(b.h, `revoke ${inv.id}`))).toBe('Invitation revoked');
    const atRevoke = a.sim.control.pollLog(userCode).length;
    const polls = await pollingHasStopped(a.sim, userCode);

    // At most the poll whose check had already passed, and one in the middle of its check.
    expect(polls - atRevoke).toBeLessThanOrEqual(2);
    expect(a.sim.control.completeDeviceCode({ userCode, upn: adminOf(tenant) }).ok).toBe(true);
    await sleep(300);
    expect(a.sim.control.pollLog(userCode)).toHaveLength(polls);
    expect(a.sim.control.pollLog(userCode).some((p) => p.answer === 'tokens')).toBe(false);
    expect((await storedInvitation(b.h, inv.id)).status).toBe('revoked');
    await expectUntouched(tenant);
    expect(await page.state()).toMatchObject({ status: 404, gone: true });
  });
});

describe('the owner of a flow is alive until its lease lapses', () => {
  it('a healthy owner is never called interrupted: sweeps on the owner and on another instance during activation leave it alone, and it activates', async () => {
    const tenant = HEALTHY;
    const { inv, userCode, page } = await signingIn(a, tenant);
    const graphAsked = graph.holdRequest(isOrganizationRead);
    a.sim.control.completeDeviceCode({ userCode, upn: adminOf(tenant) });
    await reached(graphAsked, 'A to ask Graph for the organization');

    expect(await a.h.bot.sweepOrphans()).toBe(0);
    expect(await b.h.bot.sweepOrphans()).toBe(0);
    // The page on the other instance too says activation is under way.
    expect((await page.on(b.h).state()).title).toBe('Signed in — activating');
    expect(await storedInvitation(b.h, inv.id)).toMatchObject({ status: 'token_acquired', flow: { ownerId: 'a' } });

    graphAsked.release();
    await page.waitFor('Tenant activated');

    const events = await historyOf(inv.id);
    expect(events).toEqual(['create', 'open', 'start_sign_in', 'acquire_token', 'activate']);
    await waitUntil(() => updateTitles(inv.id).includes('tenant activated'), 'the tenant activated staff update');
    expect(updateTitles(inv.id)).not.toContain('sign-in interrupted');
    expect(updateTitles(inv.id)).not.toContain('sign-in failed');
    const audit = await auditActions(inv.id);
    expect(audit).toContain('invitation.activated');
    expect(audit).not.toContain('invitation.interrupted');
    expect(audit).not.toContain('invitation.failed');
    expect(await cachedAccounts(tenant)).toEqual([adminOf(tenant)]);
  });

  // The owner's own sweep (at start-up and at every lease renewal) must not take a flow whose Start
  // has been written but whose poll is not registered yet for an orphan.
  it("the owner's own sweep while a Start is being written leaves the new flow alone", async () => {
    const tenant = SWEPT_AT_START;
    const inv = await invite(a.h, tenant, adminOf(tenant));
    expect((await inv.page.open()).status).toBe(200);
    const startWritten = storeOfA.holdResponse((r) => r.method === 'PUT' && r.path.startsWith('/dbs/tenant-access/colls/invitations/docs/') && r.body.includes('"status":"signing_in"'));
    const pressed = inv.page.act('signin.start');
    await reached(startWritten, 'the write of the Start');

    // The Start is in the store; A has not heard back yet, so its poll is not running yet.
    const swept = a.h.bot.sweepOrphans();
    await sleep(200);
    startWritten.release();
    await pressed;
    expect(await swept).toBe(0);
    const screen = await inv.page.waitFor((s) => s.userCode !== undefined || s.title === 'Sign-in was interrupted');
    expect(screen.title).not.toBe('Sign-in was interrupted');
    expect((await storedInvitation(b.h, inv.id)).status).toBe('signing_in');
  });

  it('after a crash, the page on a surviving instance says the sign-in was interrupted once the lease has lapsed, and Start again works there', async () => {
    const tenant = CRASHED;
    c = await startInstance('c', { COSMOS_ENDPOINT: storeOfC.url, LEASE_TTL_MS: String(SHORT_LEASE_MS), LEASE_RENEW_MS: '200', STORE_TIMEOUT_MS: '1000' });
    const crashing = c;
    const { inv, userCode, page } = await signingIn(crashing, tenant, adminOf(tenant), b.h);
    expect((await storedInvitation(b.h, inv.id)).flow).toMatchObject({ ownerId: 'c' });

    // C dies without stopping: it can no longer reach the store (so its lease is never renewed nor
    // removed), its poll is gone and so is its server. Nothing of it writes anything after this.
    storeOfC.cut();
    crashing.h.bot.signIn.flowControl.cancel(inv.id);
    crashing.h.bot.server.server.closeAllConnections();
    await new Promise<void>((resolve) => crashing.h.bot.server.close(() => resolve()));
    const died = Date.now();

    const onB = page.on(b.h);
    // Within C's lease the flow is still C's: the page shows the code.
    const early = await onB.state();
    expect(early.userCode).toBe(userCode);

    const interrupted = await onB.waitFor('Sign-in was interrupted', SHORT_LEASE_MS + 2_000);
    expect(Date.now() - died).toBeLessThan(SHORT_LEASE_MS + 1_000);
    expect(interrupted.userCode).toBeUndefined();
    expect(interrupted.buttons).toEqual(['Start again']);
    const stored = await storedInvitation(b.h, inv.id);
    expect(stored.status).toBe('interrupted');
    expect(stored.flow).toBeUndefined();
    expect((stored.history as History).at(-1)).toMatchObject({ event: 'interrupt', detail: 'the process polling for it stopped' });

    // Start again runs on the surviving instance.
    const restarted = await onB.press(interrupted, 'Start again');
    const next = restarted.userCode ? restarted : await onB.waitFor((s) => s.userCode !== undefined);
    expect((await storedInvitation(b.h, inv.id)).flow).toMatchObject({ ownerId: 'b' });
    b.sim.control.completeDeviceCode({ userCode: next.userCode!, upn: adminOf(tenant) });
    await onB.waitFor('Tenant activated');

    storeOfC.restore();
    await crashing.h.close();
    c = undefined;
  });
});

describe('one pending invitation per tenant and email', () => {
  let raced = 0;
  it.each([1, 2, 3, 4, 5])('three concurrent invites of one admin make one invitation; the others are told it exists (round %i)', async (round) => {
    const tenant = RACED_INVITES;
    const email = `admin${round}@${tenant.domain}`;
    const senders = [a.h, b.h, b.h];
    const exchanges = await Promise.all(senders.map((h) => h.say(STAFF, `invite ${tenant.domain} ${email}`, { activityId: `race${round}${String(++raced).padStart(4, '0')}${Date.now()}` })));

    const titles = exchanges.map((e) => cardTitle(e.card));
    expect(titles.filter((t) => t === 'Invitation created')).toHaveLength(1);
    for (const t of titles.filter((t) => t !== 'Invitation created')) expect(['Already invited', 'Being invited right now']).toContain(t);
    const created = exchanges.find((e) => cardTitle(e.card) === 'Invitation created')!;
    const id = cardFacts(created.card).Invitation;

    const forEmail = (await b.h.documents(['invitations'])).invitations.filter((i) => i.tenantId === tenant.tenantId && i.email === email);
    expect(forEmail.map((i) => i.id)).toEqual([id]);
    expect(forEmail.filter((i) => isPending(i.status as InvitationStatus))).toHaveLength(1);
    // "Already invited" names that same invitation.
    for (const e of exchanges.filter((e) => cardTitle(e.card) === 'Already invited')) expect(cardFacts(e.card).Invitation).toBe(id);

    expect(cardTitle(await staffSays(b.h, `revoke ${id}`))).toBe('Invitation revoked');
    const links = exchanges.map((e) => linkOn(e.card)).filter((l) => l !== undefined);
    expect(links).toHaveLength(1);
    for (const link of links) expect(await new LinkPage(b.h, 'invite', link.token).state()).toMatchObject({ status: 404, gone: true });
    const after = (await b.h.documents(['invitations'])).invitations.filter((i) => i.tenantId === tenant.tenantId && i.email === email);
    expect(after.filter((i) => isPending(i.status as InvitationStatus))).toEqual([]);
  });
});

describe('a store failure after the invitation was written', () => {
  it('the audit write fails: staff still get the working link, and a retry says "Already invited" and writes the audit row', async () => {
    const tenant = AUDIT_DOWN;
    const email = adminOf(tenant);
    const isCreationAudit = (r: SeenRequest) => r.method === 'POST' && r.path === '/dbs/tenant-access/colls/audit/docs' && r.body.includes('"action":"invitation.create"');
    const auditBack = storeOfA.fail(isCreationAudit, 503, { code: 'ServiceUnavailable', message: 'The audit container is unavailable (injected).' });

    const first = await a.h.say(STAFF, `invite ${tenant.domain} ${email}`, { activityId: `auditdown1${Date.now()}` });
    auditBack();

    expect(cardTitle(first.card)).toBe('Invitation created');
    expect(cardText(first.card)).toContain('The audit record could not be written yet');
    expect(storeOfA.seen.some(isCreationAudit)).toBe(true);
    const id = cardFacts(first.card).Invitation;
    const page = LinkPage.fromCard(b.h, first.card);
    expect((await page.open()).status).toBe(200);
    expect((await page.state()).buttons).toEqual(['Start authentication']);
    expect(await auditActions(id)).not.toContain('invitation.create');

    const retry = await a.h.say(STAFF, `invite ${tenant.domain} ${email}`, { activityId: `auditdown2${Date.now()}` });
    expect(cardTitle(retry.card)).toBe('Already invited');
    expect(cardFacts(retry.card).Invitation).toBe(id);
    expect(cardActions(retry.card).map((x) => x.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^Resend/)]));
    expect(linkOn(retry.card)).toBeUndefined();
    expect((await auditActions(id)).filter((x) => x === 'invitation.create')).toHaveLength(1);
    // Still one invitation, and its link still works.
    expect((await b.h.documents(['invitations'])).invitations.filter((i) => i.tenantId === tenant.tenantId)).toHaveLength(1);
    expect((await page.state()).status).toBe(200);
  });
});
