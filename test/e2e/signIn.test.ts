import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { formatUtc } from '../../bot/presentation/views';
import { DAY_MS } from '../../src/clock';
import type { SimulatedTenant } from '../../src/local/identitySimulator';
import { AdaptiveCardJson, cardActions, cardFacts, cardText, cardTitle } from '../support/botHarness';
import {
  adminOf,
  CONTOSO,
  invite,
  Invited,
  LinkPage,
  openUrlOf,
  pollingHasStopped,
  simulatedDirectory,
  SignInWorld,
  sleep,
  STAFF_CONVERSATION,
  STAFF,
  staffSays,
  staffUpdates,
  startSignInWorld,
  storedInvitation,
  tokenCacheDocs,
  waitUntil,
} from './signInDriver';

/**
 * The customer admin's side of an invitation through the real server: the invitation page's HTML,
 * state and actions endpoints, MSAL's device-code poll against the identity simulator over HTTPS,
 * and the staff member's chat in Teams (a recording connector) following along.
 */

const dir = simulatedDirectory(['tailspin', 'litware', 'wingtip']);
const REVOKED = dir.bySlug.tailspin;
const RESENT = dir.bySlug.litware;
const RACED = dir.bySlug.wingtip;

let w: SignInWorld;

beforeAll(async () => {
  w = await startSignInWorld(dir.tenants);
});

afterAll(async () => {
  await w?.h.close();
});

type TenantDoc = Record<string, unknown> & { authMode: string; authStatus: string; token?: { account: string; createdAt: string; lastRefreshedAt: string; refreshExpiresAt: string; scopes: string[] } };

async function storedTenant(tenantId: string): Promise<TenantDoc | undefined> {
  return (await w.h.documents(['tenants'])).tenants.find((t) => t.tenantId === tenantId) as TenantDoc | undefined;
}

/** The rows of the tenants table card (header excluded), each as the text of its cells. */
function tableRows(card: AdaptiveCardJson | undefined): string[][] {
  type TableJson = { type?: string; rows?: { cells: { items?: { text?: unknown }[] }[] }[] };
  const table = (card?.body as TableJson[] | undefined)?.find((b) => b.type === 'Table');
  return (table?.rows ?? []).slice(1).map((row) => row.cells.map((cell) => (cell.items ?? []).map((i) => String(i.text)).join(' ')));
}

/** Polls of one device code the simulator saw so far. */
const pollsOf = (userCode: string) => w.sim.control.pollLog(userCode);

describe('a Global admin opens the link, signs in, and the tenant is activated', () => {
  let inv: Invited;
  let userCode: string;
  let startedAt: number;

  beforeAll(async () => {
    inv = await invite(w.h, CONTOSO, adminOf(CONTOSO));
  });

  it('serves the invitation page with a strict CSP, no referrer and no caching, and marks the invitation opened', async () => {
    expect((await storedInvitation(w.h, inv.id)).status).toBe('created');

    const page = await inv.page.open();

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain(`${CONTOSO.domain}`);
    expect((await storedInvitation(w.h, inv.id)).status).toBe('opened');

    const screen = await inv.page.state();
    expect(screen.status).toBe(200);
    expect(screen.title).toMatch(/asks for access to contoso\.onmicrosoft\.com$/);
    expect(screen.buttons).toEqual(['Start authentication']);
  });

  it('Start authentication shows the device code, the Microsoft sign-in page and a countdown', async () => {
    startedAt = Date.now();
    ({ userCode } = await inv.page.startAndGetCode());
    const screen = await inv.page.state();

    expect(userCode).toMatch(/^[A-HJ-NP-Z2-9]{9}$/);
    expect(screen.title).toBe('Sign in to contoso.onmicrosoft.com');
    expect(openUrlOf(screen.card, 'Open the Microsoft sign-in page')).toBe(`${w.sim.url}/devicelogin`);
    // Entra's codes live 900 s; the page counts down to the moment the code was issued + expires_in.
    const countdown = Date.parse(screen.countdownTo!);
    expect(countdown - startedAt).toBeGreaterThan(895_000);
    expect(countdown - Date.now()).toBeLessThanOrEqual(900_000);
    expect(screen.text).toContain('Tenant Access');
    expect(screen.text).toContain(adminOf(CONTOSO));
    // The poll runs in the background, with the interval the simulator asked for.
    await waitUntil(() => pollsOf(userCode).length >= 2, 'MSAL to poll the token endpoint');
    expect(pollsOf(userCode).every((p) => p.answer === 'authorization_pending')).toBe(true);

    const stored = await storedInvitation(w.h, inv.id);
    expect(stored.status).toBe('signing_in');
    // The code is on the page, but the store has it only sealed.
    expect(JSON.stringify(stored)).not.toContain(userCode);
  });

  it('completing the sign-in at Microsoft activates the tenant and retires the link', async () => {
    expect(w.sim.control.completeDeviceCode({ userCode, upn: adminOf(CONTOSO) })).toEqual({ ok: true, outcome: 'success' });

    const done = await inv.page.waitFor('Tenant activated');

    expect(done.text).toContain('now has delegated access to contoso.onmicrosoft.com, through the application Tenant Access.');
    // What the token holds, in plain words, and where the admin reviews or revokes it.
    const granted = done.text.split('\n').filter((line) => line.startsWith('• '));
    expect(granted).toEqual(
      expect.arrayContaining([
        "• Read your organization's profile (name, domains) — Organization.Read.All",
        '• Sign you in and read your profile — User.Read',
        '• Keep access while you are away (refresh token) — offline_access',
      ]),
    );
    expect(done.text).toContain(`the enterprise application Tenant Access (Application ID ${LOCAL_CLIENT_ID})`);
    expect(done.buttons).toEqual(['Open Enterprise applications in the Microsoft Entra admin center']);
    expect(openUrlOf(done.card, 'Open Enterprise applications in the Microsoft Entra admin center')).toBe(
      `https://entra.microsoft.com/${CONTOSO.tenantId}/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview`,
    );
    expect(done.pollAfterMs).toBeNull();
    // The page lists what the token holds: the scopes the tenant keeps with it, recorded on the invitation too.
    expect((await storedInvitation(w.h, inv.id)).grantedScopes).toEqual((await storedTenant(CONTOSO.tenantId))?.token?.scopes);
    expect(pollsOf(userCode).at(-1)?.answer).toBe('tokens');
    expect((await storedInvitation(w.h, inv.id)).status).toBe('activated');
    // An activated link has done its job: the page no longer opens.
    const page = await inv.page.open();
    expect(page.status).toBe(404);
    expect(page.body).toContain('This link does not work');
  });

  it('tenants and status show token authentication, the account, the dates (+90 days) and the scopes', async () => {
    const tenant = await storedTenant(CONTOSO.tenantId);
    expect(tenant).toMatchObject({ authMode: 'token', authStatus: 'successful' });
    const token = tenant!.token!;
    expect(token.account).toBe(adminOf(CONTOSO));
    expect(Date.parse(token.createdAt)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(token.createdAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(token.refreshExpiresAt) - Date.parse(token.createdAt)).toBe(90 * DAY_MS);

    const list = await staffSays(w.h, 'tenants');
    const row = tableRows(list).find((cells) => cells[0].includes(CONTOSO.tenantId));
    expect(row).toBeDefined();
    expect(row!.join(' | ')).toContain('Auth token Successful');
    expect(row!.join(' | ')).toContain(`${formatUtc(token.createdAt)} ${formatUtc(token.refreshExpiresAt)}`);

    // Graph's organization answer names the tenant after sign-in (it was known only by its domain).
    expect(tenant!.displayName).toBe(CONTOSO.displayName);
    const status = await staffSays(w.h, `status ${CONTOSO.domain}`);
    expect(cardTitle(status)).toBe(CONTOSO.displayName);
    expect(cardFacts(status)).toMatchObject({
      'Auth mode': 'Auth token',
      'Authentication status': 'Successful',
      'Token account': adminOf(CONTOSO),
      'Token created': formatUtc(token.createdAt),
      'Token expires': formatUtc(token.refreshExpiresAt),
    });
    const scopes = cardFacts(status).Scopes.split(', ');
    expect(scopes).toEqual(expect.arrayContaining(['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read']));
    expect(cardText(status)).toContain(`${inv.id} · ${adminOf(CONTOSO)} · global · **Activated**`);
  });

  it('a failed re-invite of the working tenant leaves its authentication Successful; onboarding says it failed', async () => {
    const again = await invite(w.h, CONTOSO, `second.admin@${CONTOSO.domain}`);
    await again.page.open();
    const { userCode: code } = await again.page.startAndGetCode();
    expect(w.sim.control.completeDeviceCode({ userCode: code, upn: adminOf(CONTOSO), outcome: 'declined' })).toMatchObject({ ok: true });
    await again.page.waitFor((screen) => screen.buttons.includes('Start again'));

    const facts = cardFacts(await staffSays(w.h, `status ${CONTOSO.domain}`));
    expect(facts).toMatchObject({ 'Auth mode': 'Auth token', 'Authentication status': 'Successful', 'Token account': adminOf(CONTOSO) });
    expect(facts.Onboarding).toMatch(/^Failed: /);
    // Graph's verified domains, as the README promises.
    expect(facts['Verified domains'].split(', ')).toContain(CONTOSO.domain);
    expect((await storedTenant(CONTOSO.tenantId))?.authStatus).toBe('successful');
  });

  it("told the inviting staff member each step, in order, in the chat they invited from", async () => {
    const updates = await waitUntil(() => {
      const u = staffUpdates(w.h, inv.id);
      return u.length >= 4 ? u : undefined;
    }, 'four staff updates');

    expect(updates.map((u) => u.title)).toEqual(['invitation opened', 'sign-in started', 'token acquired', 'tenant activated']);
    // A button that shows something adds it: "Tenant status" posts a new card, the notice stays.
    const statusButton = cardActions(updates[3].card).find((b) => b.title === 'Tenant status');
    expect(statusButton).toMatchObject({ type: 'Action.Submit', data: { verb: 'tenant.show', tenantId: CONTOSO.tenantId } });
    const shown = await w.h.submit(STAFF, statusButton!.data!);
    expect(shown.replies).toHaveLength(1);
    expect(cardTitle(shown.card)).toBe(CONTOSO.displayName);
    const audit = (await w.h.documents(['audit'])).audit.filter((e) => e.target === inv.id).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['invitation.create', 'invitation.opened', 'invitation.sign_in_started', 'invitation.token_acquired', 'invitation.activated']));
    // The customer's steps are recorded as the customer's admin, never as a made-up object id.
    const opened = (await w.h.documents(['audit'])).audit.find((e) => e.target === inv.id && e.action === 'invitation.opened');
    expect(opened?.actor).toEqual({ kind: 'customer-admin', email: adminOf(CONTOSO), tenantId: CONTOSO.tenantId });
    expect(updates.every((u) => u.conversationId === STAFF_CONVERSATION)).toBe(true);
    expect(updates.map((u) => u.facts.Status)).toEqual(['Opened', 'Signing in', 'Token acquired', 'Activated']);
    expect(updates.every((u) => u.facts.Admin === adminOf(CONTOSO))).toBe(true);
    // Staff never see the customer's code.
    expect(updates.some((u) => u.text.includes(userCode))).toBe(false);
  });
});

describe('one active flow per invitation', () => {
  it('two browsers pressing Start at the same moment get one flow and the same code', async () => {
    const inv = await invite(w.h, RACED, adminOf(RACED));
    expect((await inv.page.open()).status).toBe(200);
    const secondBrowser = new LinkPage(w.h, 'invite', inv.page.token);
    const codesBefore = w.sim.control.issuedSecrets().deviceCodes.length;

    const [a, b] = await Promise.all([inv.page.act('signin.start'), secondBrowser.act('signin.start')]);

    expect([a.status, b.status]).toEqual([200, 200]);
    const first = await inv.page.waitFor((s) => s.userCode !== undefined);
    const second = await secondBrowser.waitFor((s) => s.userCode !== undefined);
    expect(second.userCode).toBe(first.userCode);
    // A third press once the code is showing joins the same flow too.
    expect((await secondBrowser.act('signin.start')).userCode).toBe(first.userCode);
    expect(w.sim.control.issuedSecrets().deviceCodes.length - codesBefore).toBe(1);
    const history = (await storedInvitation(w.h, inv.id)).history as { event: string }[];
    expect(history.filter((e) => e.event === 'start_sign_in')).toHaveLength(1);
    await waitUntil(() => staffUpdates(w.h, inv.id).some((u) => u.title === 'sign-in started'), 'the sign-in started staff update');
    expect(staffUpdates(w.h, inv.id).filter((u) => u.title === 'sign-in started')).toHaveLength(1);

    w.sim.control.completeDeviceCode({ userCode: first.userCode!, upn: adminOf(RACED) });
    await inv.page.waitFor('Tenant activated');
  });
});

describe('staff change the invitation while the admin is signing in', () => {
  async function signingIn(tenant: SimulatedTenant): Promise<{ inv: Invited; userCode: string }> {
    const inv = await invite(w.h, tenant, adminOf(tenant));
    expect((await inv.page.open()).status).toBe(200);
    const { userCode } = await inv.page.startAndGetCode();
    await waitUntil(() => pollsOf(userCode).length > 0, 'the first poll');
    await waitUntil(() => staffUpdates(w.h, inv.id).some((u) => u.title === 'sign-in started'), 'the sign-in started staff update');
    return { inv, userCode };
  }

  it('revoke: the link is gone at once, the poll stops, and a sign-in finished afterwards grants nothing', async () => {
    const { inv, userCode } = await signingIn(REVOKED);

    const revoked = await staffSays(w.h, `revoke ${inv.id}`);
    expect(cardTitle(revoked)).toBe('Invitation revoked');

    const page = await inv.page.open();
    expect(page.status).toBe(404);
    expect(page.body).toContain('This link does not work');
    expect(await inv.page.state()).toMatchObject({ status: 404, gone: true });
    expect(await inv.page.act('signin.start')).toMatchObject({ status: 404, gone: true });

    const polls = await pollingHasStopped(w.sim, userCode);
    // The admin finishes at Microsoft anyway: nobody redeems the code any more.
    expect(w.sim.control.completeDeviceCode({ userCode, upn: adminOf(REVOKED) }).ok).toBe(true);
    await sleep(400);
    expect(pollsOf(userCode)).toHaveLength(polls);
    expect(pollsOf(userCode).some((p) => p.answer === 'tokens')).toBe(false);
    expect((await storedInvitation(w.h, inv.id)).status).toBe('revoked');
    expect(await tokenCacheDocs(w.h, REVOKED.tenantId)).toEqual([]);
    const tenant = await storedTenant(REVOKED.tenantId);
    expect(tenant).toMatchObject({ authMode: 'token', authStatus: 'not_configured' });
    expect(tenant!.token).toBeUndefined();
    expect(staffUpdates(w.h, inv.id).map((u) => u.title)).toEqual(['invitation opened', 'sign-in started']);
  });

  it('resend: the old link and its code are dead, the new link starts over with a new code', async () => {
    const { inv, userCode: oldCode } = await signingIn(RESENT);

    const resent = await staffSays(w.h, `resend ${inv.id}`);
    expect(cardTitle(resent)).toBe('Invitation resent');
    const fresh = LinkPage.fromCard(w.h, resent);
    expect(fresh.token).not.toBe(inv.page.token);

    expect((await inv.page.open()).status).toBe(404);
    expect(await inv.page.state()).toMatchObject({ status: 404, gone: true });
    await pollingHasStopped(w.sim, oldCode);

    expect((await fresh.open()).status).toBe(200);
    const welcome = await fresh.state();
    expect(welcome.buttons).toEqual(['Start authentication']);
    const { userCode: newCode } = await fresh.startAndGetCode();
    expect(newCode).not.toBe(oldCode);

    // Finishing with the old code does nothing; the new one activates.
    expect(w.sim.control.completeDeviceCode({ userCode: oldCode, upn: adminOf(RESENT) }).ok).toBe(true);
    await sleep(300);
    expect((await storedInvitation(w.h, inv.id)).status).toBe('signing_in');
    w.sim.control.completeDeviceCode({ userCode: newCode, upn: adminOf(RESENT) });
    await fresh.waitFor('Tenant activated');
    expect(pollsOf(oldCode).some((p) => p.answer === 'tokens')).toBe(false);
  });
});
