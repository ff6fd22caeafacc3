import { explainEntraError } from '../../src/domain/entraErrors';
import type { SignInOutcome, SimulatedTenant } from '../../src/local/identitySimulator';
import { POLL_GAP_SLACK_MS } from '../../src/local/identitySimulator/deviceCodePolling';
import {
  adminOf,
  invite,
  Invited,
  NORTHWIND,
  Screen,
  simulatedDirectory,
  SignInWorld,
  staffUpdates,
  startSignInWorld,
  storedInvitation,
  tokenCacheDocs,
  waitUntil,
  pollingHasStopped,
  STAFF,
} from './signInDriver';
import { cardFacts } from '../support/botHarness';

/**
 * Sign-ins that do not end in an activated tenant, through the real server, MSAL and the identity
 * simulator: each is explained on the page in the words of the Entra error table, with Entra's
 * reference, and the admin can go on from there.
 */

const dir = simulatedDirectory(['adatum', 'fourthcoffee', 'margie', 'treyresearch', 'humongous', 'alpine']);

let w: SignInWorld;

beforeAll(async () => {
  w = await startSignInWorld(dir.tenants);
});

afterAll(async () => {
  await w?.h.close();
});

async function signingIn(tenant: SimulatedTenant): Promise<{ inv: Invited; userCode: string }> {
  const inv = await invite(w.h, tenant, adminOf(tenant));
  expect((await inv.page.open()).status).toBe(200);
  const { userCode } = await inv.page.startAndGetCode();
  return { inv, userCode };
}

async function tenantDoc(tenantId: string): Promise<Record<string, unknown> | undefined> {
  return (await w.h.documents(['tenants'])).tenants.find((t) => t.tenantId === tenantId);
}

/** Cards show `<` and `>` as look-alike quotes (Teams would eat them as markup). */
const shown = (text: string) => text.replace(/</g, '‹').replace(/>/g, '›');

/** The page shows the table's title, cause and next step for the AADSTS code it names, with Entra's ids. */
function expectExplained(screen: Screen, aadsts: number): void {
  const words = explainEntraError({ errorCodes: [aadsts] });
  expect(words.title).not.toBe('Sign-in did not complete');
  expect(screen.title).toBe(shown(words.title));
  expect(screen.text).toContain(`**Why:** ${shown(words.cause)}`);
  expect(screen.text).toContain(`**Next step:** ${shown(words.nextStepText)}`);
  const guid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
  expect(screen.text).toMatch(new RegExp(`^AADSTS${aadsts} · trace ${guid} · correlation ${guid}$`, 'm'));
}

const referenceOn = (screen: Screen) => /^(AADSTS\d+ · trace \S+)/m.exec(screen.text)?.[1];

describe('the person at the sign-in page', () => {
  it('signs in with an account of another organization: refused as the wrong tenant, nothing stored for either tenant', async () => {
    const tenant = dir.bySlug.adatum;
    const { inv, userCode } = await signingIn(tenant);

    w.sim.control.completeDeviceCode({ userCode, upn: adminOf(NORTHWIND) });
    const screen = await inv.page.waitFor('Signed in to the wrong tenant');

    // Microsoft did hand out tokens: the bot threw them away.
    expect(w.sim.control.pollLog(userCode).at(-1)?.answer).toBe('tokens');
    expect(screen.text).toContain(adminOf(NORTHWIND));
    expect(screen.text).toContain(`an administrator account of ${tenant.domain}`);
    expect(screen.buttons).toEqual(['Start again']);
    expect(await tokenCacheDocs(w.h, tenant.tenantId)).toEqual([]);
    expect(await tokenCacheDocs(w.h, NORTHWIND.tenantId)).toEqual([]);
    expect(await tenantDoc(NORTHWIND.tenantId)).toBeUndefined();
    expect(await tenantDoc(tenant.tenantId)).toMatchObject({ authMode: 'token', authStatus: 'not_configured' });
    expect(await storedInvitation(w.h, inv.id)).toMatchObject({ status: 'failed', failureReason: 'Signed in to the wrong tenant' });
    const failed = await waitUntil(() => staffUpdates(w.h, inv.id).find((u) => u.title === 'sign-in failed'), 'the staff update');
    expect(failed.text).toContain('Signed in to the wrong tenant');
    expect(failed.facts.Status).toBe('Failed: Signed in to the wrong tenant');
    // Our own check after a good sign-in, not Entra's refusal: staff are not told Entra refused it, nor given an "Entra error".
    expect(failed.text).toContain('did not complete: Signed in to the wrong tenant.');
    expect(failed.text).not.toContain('Microsoft Entra refused');
    expect(failed.facts['Entra error']).toBeUndefined();

    // The tenant says what is true: invited for token authentication, not authenticated, onboarding failed and why.
    const status = cardFacts((await w.h.say(STAFF, `status ${tenant.domain}`)).card);
    expect(status).toMatchObject({ 'Auth mode': 'Auth token', 'Authentication status': 'Not authenticated yet' });
    expect(status.Onboarding).toMatch(/^Failed: Signed in to the wrong tenant \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
  });

  it.each<[string, SignInOutcome, number, string]>([
    ['is blocked by Conditional Access (53003)', 'conditional-access-blocked', 53003, 'fourthcoffee'],
    ['is asked for MFA the sign-in did not do (50076)', 'mfa-required', 50076, 'margie'],
  ])('%s: the page explains it with the table words and the trace id, staff get the same reference', async (_what, outcome, aadsts, slug) => {
    const { inv, userCode } = await signingIn(dir.bySlug[slug]);

    w.sim.control.completeDeviceCode({ userCode, upn: adminOf(dir.bySlug[slug]), outcome });
    const screen = await inv.page.waitFor((s) => s.buttons.includes('Start again'));

    expectExplained(screen, aadsts);
    expect(screen.buttons).toEqual(['Start again']);
    expect((await storedInvitation(w.h, inv.id)).status).toBe('failed');
    expect(await tokenCacheDocs(w.h, dir.bySlug[slug].tenantId)).toEqual([]);
    const failed = await waitUntil(() => staffUpdates(w.h, inv.id).find((u) => u.title === 'sign-in failed'), 'the staff update');
    expect(failed.text).toContain(explainEntraError({ errorCodes: [aadsts] }).title);
    // Staff words, and the ids the page shows, each under its name.
    expect(failed.text).toContain('What you can do:');
    expect(failed.text).toContain('What their page told them:');
    expect(failed.facts['Entra error']).toBe(`AADSTS${aadsts}`);
    expect(`AADSTS${aadsts} · trace ${failed.facts['Trace ID']}`).toBe(referenceOn(screen));
  });

  it('declines the sign-in: the page says so, and Start again gives a new code that works', async () => {
    const tenant = dir.bySlug.treyresearch;
    const { inv, userCode } = await signingIn(tenant);

    w.sim.control.declineDeviceCode(userCode, adminOf(tenant));
    const declined = await inv.page.waitFor((s) => s.buttons.includes('Start again'));

    expect(w.sim.control.pollLog(userCode).at(-1)?.answer).toBe('authorization_declined');
    expectExplained(declined, 65004);
    const again = await inv.page.press(declined, 'Start again');
    const next = again.userCode ? again : await inv.page.waitFor((s) => s.userCode !== undefined);
    expect(next.userCode).not.toBe(userCode);
    w.sim.control.completeDeviceCode({ userCode: next.userCode!, upn: adminOf(tenant) });
    await inv.page.waitFor('Tenant activated');
    expect(await tokenCacheDocs(w.h, tenant.tenantId)).toHaveLength(1);
  });
});

describe('slow_down from the token endpoint', () => {
  it('keeps the flow going and never polls sooner than the slowed interval allows', async () => {
    const tenant = dir.bySlug.humongous;
    const { inv, userCode } = await signingIn(tenant);
    await waitUntil(() => w.sim.control.pollLog(userCode).length >= 2, 'two polls');

    expect(w.sim.control.slowDownDeviceCode(userCode, 1)).toEqual({ ok: true });
    await waitUntil(() => w.sim.control.pollLog(userCode).some((p) => p.answer === 'slow_down'), 'the slow_down answer');
    // Not a failure: the admin still sees the code and can finish.
    expect((await inv.page.state()).userCode).toBe(userCode);
    w.sim.control.completeDeviceCode({ userCode, upn: adminOf(tenant) });
    await inv.page.waitFor('Tenant activated', 15_000);

    const polls = w.sim.control.pollLog(userCode);
    // The simulator answers slow_down to any poll that comes too soon, so one slow_down (the one
    // asked for) means the bot never polled early; before it, polls kept MSAL's interval.
    expect(polls.filter((p) => p.answer === 'slow_down')).toHaveLength(1);
    const slowed = polls.findIndex((p) => p.answer === 'slow_down');
    expect(polls.slice(slowed + 1).map((p) => p.answer)).toEqual(['tokens']);
    const intervalMs = 50;
    const slowDownIncrementMs = 200;
    // The gaps the simulator holds a poller to, less its slack for whole-millisecond timers.
    for (let i = 1; i <= slowed; i++) expect(polls[i].atMs - polls[i - 1].atMs).toBeGreaterThanOrEqual(intervalMs - POLL_GAP_SLACK_MS);
    expect(polls[slowed + 1].atMs - polls[slowed].atMs).toBeGreaterThanOrEqual(intervalMs + slowDownIncrementMs - POLL_GAP_SLACK_MS);
    expect(w.h.logs.records().some((r) => r.event === 'entra.slow-down')).toBe(true);
    expect(staffUpdates(w.h, inv.id).map((u) => u.title)).not.toContain('sign-in failed');
  }, 20_000);
});

describe('a code that expires before the sign-in', () => {
  const CODE_LIFETIME_S = 3;
  let short: SignInWorld;
  const alpine = dir.bySlug.alpine;

  beforeAll(async () => {
    short = await startSignInWorld(dir.tenants, { simulator: { deviceCodeExpiresInSeconds: CODE_LIFETIME_S } });
  });

  afterAll(async () => {
    await short?.h.close();
  });

  it('counts down, then offers New code, which gives a different code that works', async () => {
    const inv = await invite(short.h, alpine, adminOf(alpine));
    expect((await inv.page.open()).status).toBe(200);
    const { userCode, screen } = await inv.page.startAndGetCode();
    expect(Date.parse(screen.countdownTo!) - Date.now()).toBeLessThanOrEqual(CODE_LIFETIME_S * 1000);

    const expired = await inv.page.waitFor((s) => /expired/i.test(s.title ?? '') && s.buttons.includes('New code'), CODE_LIFETIME_S * 1000 + 5_000);
    expect(expired.userCode).toBeUndefined();
    // MSAL also watches expires_in itself: its last poll may get expired_token, or it may stop on its
    // own just before; either way polling for the old code ends and never yields a token.
    await pollingHasStopped(short.sim, userCode);
    expect(short.sim.control.pollLog(userCode).map((p) => p.answer)).not.toContain('tokens');
    // The old code cannot be used any more at Microsoft either.
    expect(short.sim.control.completeDeviceCode({ userCode, upn: adminOf(alpine) })).toEqual({ ok: false, reason: 'expired-code' });

    const fresh = await inv.page.press(expired, 'New code');
    const next = fresh.userCode ? fresh : await inv.page.waitFor((s) => s.userCode !== undefined);
    expect(next.userCode).not.toBe(userCode);
    expect(short.sim.control.completeDeviceCode({ userCode: next.userCode!, upn: adminOf(alpine) })).toEqual({ ok: true, outcome: 'success' });
    await inv.page.waitFor('Tenant activated');
  });
});
