import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { explainEntraError } from '../../src/domain/entraErrors';
import type { SimulatedTenant } from '../../src/local/identitySimulator';
import { cardFacts, DEFAULT_PUBLIC_BASE_URL } from '../support/botHarness';
import {
  decideOnConsentPage,
  invite,
  Invited,
  LinkPage,
  linkOn,
  onBot,
  openUrlOf,
  Screen,
  serviceAccountOf,
  sha256,
  simulatedDirectory,
  SignInWorld,
  staffUpdates,
  startSignInWorld,
  storedInvitation,
  tokenCacheDocs,
  waitUntil,
} from './signInDriver';

/**
 * The delegated variant end to end: a service account signs in, Entra asks for an admin's approval,
 * the Admin Consent Reviewer answers on the simulator's admin consent page (or says it was done in
 * the Microsoft Entra admin center), Entra redirects to /consent/callback, and the service account
 * signs in again.
 */

const ADMIN_CENTER_BUTTON = 'Approved in the Microsoft Entra admin center — continue';

const dir = simulatedDirectory(['proseware', 'lucerne', 'cohowinery', 'woodgrove', 'fabrikamfiber', 'tailspin']);

let w: SignInWorld;

beforeAll(async () => {
  w = await startSignInWorld(dir.tenants);
});

afterAll(async () => {
  await w?.h.close();
});

/** The service account signs in; Entra stops it for admin approval and the page says so. */
async function untilApprovalRequired(inv: Invited, tenant: SimulatedTenant): Promise<Screen> {
  const { userCode } = await inv.page.startAndGetCode();
  expect(w.sim.control.completeDeviceCode({ userCode, upn: serviceAccountOf(tenant) })).toEqual({ ok: true, outcome: 'admin-approval-required' });
  return inv.page.waitFor('Approval required');
}

async function delegatedInvitation(tenant: SimulatedTenant): Promise<Invited> {
  const inv = await invite(w.h, tenant, serviceAccountOf(tenant), 'delegated');
  expect((await inv.page.open()).status).toBe(200);
  return inv;
}

/** The second sign-in after consent: a new code, and this time a token. */
async function signInAgain(inv: Invited, tenant: SimulatedTenant, button = 'Sign in again'): Promise<Screen> {
  const before = await inv.page.state();
  expect(before.buttons).toContain(button);
  const started = await inv.page.press(before, button);
  const { userCode } = started.userCode ? { userCode: started.userCode } : await inv.page.startAndGetCode('signin.refresh');
  w.sim.control.completeDeviceCode({ userCode, upn: serviceAccountOf(tenant) });
  return inv.page.waitFor((s) => s.title === 'Tenant activated' || s.title === 'Approval required');
}

/** Calls the bot's consent callback the way the reviewer's browser follows Entra's redirect. */
async function callback(redirect: URL | string): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(onBot(w.h, redirect.toString()));
  return { status: response.status, body: await response.text(), headers: response.headers };
}

function consentUrlOn(review: Screen): URL {
  return new URL(openUrlOf(review.card, 'Review permissions and consent'));
}

describe('service account with the admin consent callback', () => {
  const tenant = dir.bySlug.proseware;
  let inv: Invited;
  let reviewer: LinkPage;
  let consentUrl: URL;
  let redirect: URL;

  beforeAll(async () => {
    inv = await delegatedInvitation(tenant);
  });

  it('stops for approval with a reviewer link on the page and in the staff card', async () => {
    const pending = await untilApprovalRequired(inv, tenant);

    const link = linkOn(pending.card, 'review');
    expect(link).toBeDefined();
    expect(pending.buttons).toEqual([ADMIN_CENTER_BUTTON, 'Open the reviewer page']);
    expect(pending.text).not.toContain('Azure portal');
    expect(openUrlOf(pending.card, 'Open the reviewer page')).toBe(link!.url);
    expect(pending.text).toMatch(/^AADSTS90094 · trace /m);
    const stored = await storedInvitation(w.h, inv.id);
    expect(stored.status).toBe('consent_pending');
    expect((stored.consent as { reviewTokenHash: string }).reviewTokenHash).toBe(sha256(link!.token));
    expect(JSON.stringify(stored)).not.toContain(link!.token);

    const asked = await waitUntil(() => staffUpdates(w.h, inv.id).find((u) => u.title === 'admin approval requested'), 'the approval staff update');
    expect(linkOn(asked.card, 'review')?.url).toBe(link!.url);
    reviewer = new LinkPage(w.h, 'review', link!.token);
  });

  it("the reviewer page shows what is asked and Entra's admin consent URL for the customer's own tenant", async () => {
    const page = await reviewer.open();
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");

    const review = await reviewer.state();
    expect(review.title).toBe(`Admin consent requested for ${tenant.domain}`);
    expect(cardFacts(review.card)).toMatchObject({ 'Application (client) ID': LOCAL_CLIENT_ID, Status: 'Waiting for your review' });
    expect(review.buttons).toEqual(['Review permissions and consent', ADMIN_CENTER_BUTTON]);
    expect(review.text).toContain('Enterprise applications → Admin consent requests');

    consentUrl = consentUrlOn(review);
    expect(`${consentUrl.origin}${consentUrl.pathname}`).toBe(`${w.sim.url}/${tenant.tenantId}/v2.0/adminconsent`);
    expect(consentUrl.searchParams.get('client_id')).toBe(LOCAL_CLIENT_ID);
    expect(consentUrl.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(consentUrl.searchParams.get('redirect_uri')).toBe(`${DEFAULT_PUBLIC_BASE_URL}/consent/callback`);
    const state = consentUrl.searchParams.get('state')!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(state).not.toBe(reviewer.token);
    expect((await storedInvitation(w.h, inv.id)).consent).toMatchObject({ stateHash: sha256(state), status: 'pending' });
  });

  it('Accept on Entra\'s page redirects to the callback, which records the consent once', async () => {
    redirect = await decideOnConsentPage(w.sim, consentUrl.toString(), 'accept');

    expect(`${redirect.origin}${redirect.pathname}`).toBe(`${DEFAULT_PUBLIC_BASE_URL}/consent/callback`);
    expect(redirect.searchParams.get('admin_consent')).toBe('True');
    expect(redirect.searchParams.get('tenant')).toBe(tenant.tenantId);
    expect(redirect.searchParams.get('state')).toBe(consentUrl.searchParams.get('state'));
    expect(w.sim.control.hasAdminConsent(tenant.tenantId, LOCAL_CLIENT_ID)).toBe(true);

    const answer = await callback(redirect);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Consent recorded');
    // The same provider header as the invitation and reviewer pages, so the reviewer sees who asked.
    expect(answer.body).toContain(`<span class="ta-provider" id="ta-provider">${w.h.config.providerName}</span>`);
    expect(answer.body).toContain('you have nothing more to do');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await storedInvitation(w.h, inv.id)).toMatchObject({ status: 'consent_granted', consent: { status: 'granted', via: 'callback' } });
    const granted = (await w.h.documents(['audit'])).audit.find((e) => e.target === inv.id && e.action === 'invitation.consent_granted');
    expect(granted?.actor).toMatchObject({ kind: 'reviewer', tenantId: tenant.tenantId });

    const replay = await callback(redirect);
    expect(replay.status).toBe(404);
    expect(replay.body).toContain('This consent answer was already recorded');
    expect(replay.body).toContain('class="ta-provider"');
    expect(await storedInvitation(w.h, inv.id)).toMatchObject({ status: 'consent_granted' });

    const admin = await inv.page.state();
    expect(admin.buttons).toEqual(['Sign in again']);
    expect(admin.text).toContain('Admin consent was granted by your reviewer.');
    // The reviewer's page says what happened, and no longer describes the buttons that are gone.
    const review = await reviewer.state();
    expect(review.title).toBe(`Admin consent granted for ${tenant.domain}`);
    expect(cardFacts(review.card).Status).toBe('Approved');
    expect(review.buttons).toEqual([]);
    expect(review.text).not.toContain('Review permissions and consent');
    const told = await waitUntil(() => staffUpdates(w.h, inv.id).find((u) => u.title === 'admin consent reported'), 'the consent staff update');
    expect(told.text).toContain('Microsoft Entra reported that the reviewer granted admin consent.');
  });

  it('the second sign-in of the service account activates the tenant', async () => {
    const done = await signInAgain(inv, tenant);

    expect(done.title).toBe('Tenant activated');
    expect(done.text).toContain('What was granted');
    expect(done.text).toContain('• Sign you in and read your profile — User.Read');
    expect(await storedInvitation(w.h, inv.id)).toMatchObject({ status: 'activated', signedInAs: serviceAccountOf(tenant) });
    // The reviewer's page follows along to the end, with the way to review or revoke the access.
    const review = await reviewer.state();
    expect(review.title).toBe(`Access is in place for ${tenant.domain}`);
    expect(review.buttons).toEqual(['Open Enterprise applications in the Microsoft Entra admin center']);
    expect(await tokenCacheDocs(w.h, tenant.tenantId)).toHaveLength(1);
    const updates = await waitUntil(() => {
      const titles = staffUpdates(w.h, inv.id).map((u) => u.title);
      return titles.includes('tenant activated') ? titles : undefined;
    }, 'the activation staff update');
    expect(updates).toEqual([
      'invitation opened',
      'sign-in started',
      'admin approval requested',
      'admin consent reported',
      'sign-in started',
      'token acquired',
      'tenant activated',
    ]);
  });
});

describe('the consent callback decides nothing by what Entra says about the tenant', () => {
  const first = dir.bySlug.lucerne;
  const second = dir.bySlug.cohowinery;
  let a: Invited;
  let b: Invited;
  let stateOfA: string;
  let stateOfB: string;
  let reviewerOfB: LinkPage;

  beforeAll(async () => {
    a = await delegatedInvitation(first);
    b = await delegatedInvitation(second);
    await untilApprovalRequired(a, first);
    await untilApprovalRequired(b, second);
    const reviewerOf = async (inv: Invited) => LinkPage.fromCard(w.h, (await inv.page.state()).card, 'review');
    stateOfA = consentUrlOn(await (await reviewerOf(a)).state()).searchParams.get('state')!;
    reviewerOfB = await reviewerOf(b);
    stateOfB = consentUrlOn(await reviewerOfB.state()).searchParams.get('state')!;
  });

  it('a made-up state or an answer without a decision changes nothing', async () => {
    const madeUp = await callback(`${DEFAULT_PUBLIC_BASE_URL}/consent/callback?admin_consent=True&tenant=${first.tenantId}&state=${'A'.repeat(43)}`);
    expect(madeUp.status).toBe(404);
    const undecided = await callback(`${DEFAULT_PUBLIC_BASE_URL}/consent/callback?tenant=${first.tenantId}&state=${stateOfA}`);
    expect(undecided.status).toBe(400);
    expect((await storedInvitation(w.h, a.id)).status).toBe('consent_pending');
    expect((await storedInvitation(w.h, b.id)).status).toBe('consent_pending');
  });

  it("a forged tenant affects only the state's own invitation", async () => {
    const forged = await callback(`${DEFAULT_PUBLIC_BASE_URL}/consent/callback?admin_consent=True&tenant=${second.tenantId}&state=${stateOfA}`);

    expect(forged.status).toBe(200);
    expect(forged.body).toContain(first.domain);
    expect(forged.body).not.toContain(second.domain);
    expect((await storedInvitation(w.h, a.id)).status).toBe('consent_granted');
    expect((await storedInvitation(w.h, b.id)).status).toBe('consent_pending');
    expect(w.h.logs.records().find((r) => r.event === 'consent.tenant-mismatch')).toMatchObject({ invitationId: a.id, tenantId: first.tenantId });
    expect(staffUpdates(w.h, b.id).map((u) => u.title)).not.toContain('admin consent reported');
  });

  it('the reviewer declines on Entra\'s page: the invitation fails with an explanation and staff are told', async () => {
    const redirect = await decideOnConsentPage(w.sim, `${w.sim.url}/${second.tenantId}/v2.0/adminconsent?${new URLSearchParams({
      client_id: LOCAL_CLIENT_ID,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: `${DEFAULT_PUBLIC_BASE_URL}/consent/callback`,
      state: stateOfB,
    })}`, 'cancel');
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('admin_consent')).toBeNull();

    const answer = await callback(redirect);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Your decision was recorded');
    expect(answer.body).toContain('class="ta-provider"');
    expect(await storedInvitation(w.h, b.id)).toMatchObject({ status: 'failed', failureReason: 'admin consent declined', consent: { status: 'declined' } });
    expect(w.sim.control.hasAdminConsent(second.tenantId, LOCAL_CLIENT_ID)).toBe(false);

    // Said as what it is: the reviewer's no, which the service account cannot undo by choosing Accept
    // (the table's words for AADSTS65004 are for someone who declined their own consent screen).
    const page = await b.page.state();
    const words = explainEntraError({ errorCodes: [65004] });
    expect(page.title).toBe('Your reviewer declined the request');
    expect(page.text).not.toContain(words.nextStepText);
    expect(page.text).not.toContain('choose Accept');
    expect(page.text).toContain(`Talk to your Admin Consent Reviewer, or to ${w.h.config.providerName} if it is unclear why the access is needed.`);
    expect(page.text).toContain('Enterprise applications → Admin consent requests');
    expect(page.text).toMatch(/^AADSTS65004$/m);
    expect(page.buttons).toEqual(['Start again']);
    const reviewed = await reviewerOfB.state();
    expect(reviewed.title).toBe(`Admin consent declined for ${second.domain}`);
    expect(reviewed.buttons).toEqual([]);
    const told = await waitUntil(() => staffUpdates(w.h, b.id).find((u) => u.title === 'admin consent declined'), 'the declined staff update');
    expect(told.facts.Status).toBe('Failed: admin consent declined');
    expect(told.card.actions).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'Resend (new link)' })]));
  });
});

describe('a decline without a description', () => {
  it('reads as declined, not as a request still waiting for approval', async () => {
    const tenant = dir.bySlug.fabrikamfiber;
    const inv = await delegatedInvitation(tenant);
    const pending = await untilApprovalRequired(inv, tenant);
    const review = await LinkPage.fromCard(w.h, pending.card, 'review').state();
    const state = consentUrlOn(review).searchParams.get('state')!;

    expect((await callback(`${DEFAULT_PUBLIC_BASE_URL}/consent/callback?error=access_denied&state=${state}`)).status).toBe(200);

    const page = await inv.page.state();
    expect(page.title).toBe('Your reviewer declined the request');
    expect(page.title).not.toBe(explainEntraError({ errorCodes: [90095] }).title);
    expect(page.text).not.toContain(explainEntraError({ error: 'access_denied' }).nextStepText);
    expect(page.text).toContain('Talk to your Admin Consent Reviewer');
  });
});

describe('a decline whose description holds a link', () => {
  it('is never quoted: the callback is unauthenticated, so only the code is shown, on the page and to staff', async () => {
    const tenant = dir.bySlug.tailspin;
    const inv = await delegatedInvitation(tenant);
    const pending = await untilApprovalRequired(inv, tenant);
    const review = await LinkPage.fromCard(w.h, pending.card, 'review').state();
    const state = consentUrlOn(review).searchParams.get('state')!;
    const description = 'AADSTS99123: Your session expired. [Re-verify here](https://evil.example/login) **now**';
    const answer = await callback(`${DEFAULT_PUBLIC_BASE_URL}/consent/callback?${new URLSearchParams({ error: 'access_denied', error_description: description, state })}`);
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain('Re-verify');

    const page = await inv.page.state();
    expect(page.text).toContain('AADSTS99123');
    expect(page.text).not.toContain('Re-verify');
    expect(page.text).not.toContain('evil.example');
    const told = await waitUntil(() => staffUpdates(w.h, inv.id).find((u) => u.title === 'admin consent declined'), 'the declined staff update');
    expect(JSON.stringify(told.card)).not.toContain('evil.example');
  });
});

describe(ADMIN_CENTER_BUTTON, () => {
  const tenant = dir.bySlug.woodgrove;

  it('is checked by the next sign-in: before the approval it stops again, after it the tenant is activated', async () => {
    const inv = await delegatedInvitation(tenant);
    const pending = await untilApprovalRequired(inv, tenant);

    // Said too early: nothing was approved in Entra yet. Everyone is told only what is known.
    const claimed = await inv.page.press(pending, ADMIN_CENTER_BUTTON);
    expect(claimed.buttons).toEqual(['Sign in again']);
    expect(claimed.text).toContain('Your request was reported as approved in the Microsoft Entra admin center, but that is not confirmed yet.');
    expect(claimed.text).not.toContain('Admin consent was granted');
    expect((await storedInvitation(w.h, inv.id)).consent).toMatchObject({ status: 'granted', via: 'portal' });
    const reported = await waitUntil(() => staffUpdates(w.h, inv.id).find((u) => u.title === 'admin consent reported'), 'the staff update');
    expect(reported.text).toContain("The customer's admin says the request was approved in the Microsoft Entra admin center; not confirmed yet.");
    expect(reported.text).toContain('checks it');
    expect(reported.text).not.toMatch(/consent (was )?granted/);
    const audited = (await w.h.documents(['audit'])).audit.find((e) => e.target === inv.id && e.action === 'invitation.consent_granted');
    expect(audited?.detail).toBe("The customer's admin says the request was approved in the Microsoft Entra admin center; not confirmed yet.");
    const stoppedAgain = await signInAgain(inv, tenant);
    expect(stoppedAgain.title).toBe('Approval required');

    // The reviewer approves the request under Enterprise applications → Admin consent requests, then says so on their page.
    expect(w.sim.control.grantAdminConsent({ tenant: tenant.tenantId, clientId: LOCAL_CLIENT_ID })).toEqual({ ok: true });
    const reviewer = LinkPage.fromCard(w.h, stoppedAgain.card, 'review');
    const reviewed = await reviewer.press(await reviewer.state(), ADMIN_CENTER_BUTTON);
    expect(reviewed.title).toBe(`Approval reported for ${tenant.domain}`);
    expect(cardFacts(reviewed.card).Status).toBe('Reported as approved, not confirmed yet');
    expect(reviewed.buttons).toEqual([]);

    const done = await signInAgain(inv, tenant);
    expect(done.title).toBe('Tenant activated');
    expect(await tokenCacheDocs(w.h, tenant.tenantId)).toHaveLength(1);
  });
});
