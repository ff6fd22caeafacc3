import type { Page } from 'playwright-core';
import { AdaptiveCardJson, cardFacts, cardTitle } from '../support/botHarness';
import { describeInBrowser, eventually, saveScreenshot, waitForPopups, WatchedPage } from '../support/browser';
import { useBrowserJourney } from '../support/browserJourney';

/*
 * The customer's side of both journeys, clicked through in chromium as a person would: the real bot
 * server (invitation page, consent callback) and the real local identity simulator (sign-in and
 * admin consent pages). Screenshots of each step land in $TMPDIR/tenant-access-screenshots.
 */

const MEGAN = 'megan.bowen@contoso.onmicrosoft.com';
const SERVICE_ACCOUNT = 'svc-tenantaccess@contoso.onmicrosoft.com';
const ALEX = 'alex.wilber@fabrikam.onmicrosoft.com';
/** The page polls every 2 s while signing in and every 5 s while consent is pending. */
const STEP_TIMEOUT_MS = 15_000;

/** Chromium prints a console error for every 4xx answer; the tests that expect one say which. */
const unexpected = (problems: string[], ...expected: RegExp[]) => problems.filter((line) => !expected.some((re) => re.test(line)));

describeInBrowser('customer journeys in chromium, against the real bot and identity simulator', () => {
  const journey = useBrowserJourney({ stepTimeoutMs: STEP_TIMEOUT_MS });
  const { browserFor, invite, card, waitForCard, userCodeOn } = journey;

  /** The simulator's sign-in, with a screenshot before and after (`shot` names them). */
  async function signInOnSimulator(admin: WatchedPage, code: string, upn: string, outcome: string, shot: string): Promise<Page> {
    const sim = await journey.signInAtSimulator(admin, code, upn, outcome, async (page) => void (await saveScreenshot(page, `${shot}-simulator-pick`)));
    await saveScreenshot(sim, `${shot}-simulator-result`);
    return sim;
  }

  /** The staff chat's proactive cards about one invitation, by title ("<tenant>: <what happened>"). */
  function staffUpdates(invitationId: string): string[] {
    return journey.h.connector.requests
      .map((request) => (request.body as { attachments?: { content?: AdaptiveCardJson }[] } | undefined)?.attachments?.[0]?.content)
      .filter((content): content is AdaptiveCardJson => !!content && cardFacts(content).Invitation === invitationId && cardTitle(content) !== 'Invitation created')
      .map((content) => cardTitle(content)!.replace(/^[^:]+: /, ''));
  }

  it('Global admin: opens the link, signs in with the code, and sees the tenant activated without a reload', async () => {
    const invitedAt = Date.now();
    const { link, invitationId } = await invite(`invite contoso.onmicrosoft.com ${MEGAN}`);
    const admin = await browserFor();
    const { page } = admin;

    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    await waitForCard(page, /asks for access to/);
    const start = (await card(page).textContent()) ?? '';
    expect(start).toContain(journey.h.config.providerName);
    expect(start).toContain('contoso.onmicrosoft.com');
    const validUntil = /valid until (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC/.exec(start);
    expect(validUntil).not.toBeNull();
    // The default lifetime is 7 days from the invite, shown cut down to the minute: between a minute
    // before the invite's 7 days and now's (the page took its time to open).
    const shownMs = Date.parse(`${validUntil![1]}T${validUntil![2]}:00Z`);
    expect(shownMs).toBeGreaterThan(invitedAt + 7 * 86_400_000 - 60_000);
    expect(shownMs).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    expect(start).toContain(MEGAN);
    await saveScreenshot(page, 'global-1-invitation');

    await page.getByRole('button', { name: 'Start authentication' }).click();
    const code = await userCodeOn(page);
    await eventually(async () => expect(await page.locator('#countdown').textContent()).toMatch(/^Code expires in 1[45]:\d\d$/));
    await saveScreenshot(page, 'global-2-device-code');

    const sim = await signInOnSimulator(admin, code, MEGAN, 'success', 'global-3');
    await expect(sim.locator('#sign-in-result').getAttribute('data-outcome')).resolves.toBe('success');

    // The page follows along by itself: no reload, no click.
    await waitForCard(page, 'Tenant activated');
    await expect(page.locator('#ta-announce').textContent()).resolves.toBe('Tenant activated');
    await page.bringToFront();
    await saveScreenshot(page, 'global-4-activated');

    await eventually(() => expect(staffUpdates(invitationId)).toEqual(expect.arrayContaining(['invitation opened', 'sign-in started', 'tenant activated'])));
    expect(unexpected(admin.problems)).toEqual([]);
  });

  it('Delegated: the service account asks for approval, the reviewer consents, and the second sign-in activates the tenant', async () => {
    const { link, invitationId } = await invite(`invite contoso.onmicrosoft.com ${SERVICE_ACCOUNT} delegated`);
    const admin = await browserFor();
    const { page } = admin;

    await page.goto(link);
    await waitForCard(page, /asks for access to/);
    await expect(card(page).textContent()).resolves.toContain('the service account');
    await page.getByRole('button', { name: 'Start authentication' }).click();
    const firstCode = await userCodeOn(page);

    const sim = await signInOnSimulator(admin, firstCode, SERVICE_ACCOUNT, 'success', 'delegated-1');
    // Nobody has consented for Contoso yet, so Entra's admin consent workflow takes over.
    await expect(sim.locator('#sign-in-result').getAttribute('data-outcome')).resolves.toBe('admin-approval-required');

    await waitForCard(page, 'Approval required');
    await expect(page.locator('#ta-announce').textContent()).resolves.toBe('Approval required');
    const reviewLink = ((await page.locator('#reviewLink').textContent()) ?? '').trim();
    expect(reviewLink).toMatch(new RegExp(`^${journey.h.url.replace(/[.]/g, '\\.')}/review/[A-Za-z0-9_-]{43}$`));
    await page.bringToFront();
    await saveScreenshot(page, 'delegated-2-approval-required');

    // The reviewer is someone else, on another machine: their own browser profile.
    const reviewer = await browserFor();
    await reviewer.page.goto(reviewLink);
    await waitForCard(reviewer.page, /Admin consent requested for/);
    const review = (await card(reviewer.page).textContent()) ?? '';
    expect(review).toContain(`${SERVICE_ACCOUNT} asked for approval`);
    expect(review).toContain('Waiting for your review');
    await saveScreenshot(reviewer.page, 'delegated-3-reviewer');
    await reviewer.page.getByRole('link', { name: 'Review permissions and consent' }).click();
    const [consent] = await waitForPopups(reviewer, 1);
    await consent.locator('#accept').waitFor();
    expect(consent.url().startsWith(`${journey.simulatorUrl}/`)).toBe(true);
    expect(new URL(consent.url()).pathname).toMatch(/\/v2\.0\/adminconsent$/);
    await saveScreenshot(consent, 'delegated-4-simulator-consent');
    await consent.locator('#accept').click();
    await consent.getByText('Consent recorded').waitFor({ timeout: STEP_TIMEOUT_MS });
    expect(consent.url().startsWith(`${journey.h.url}/consent/callback?`)).toBe(true);
    await saveScreenshot(consent, 'delegated-5-consent-recorded');

    // The admin's page notices the consent on its own and offers the second sign-in.
    await page.getByRole('button', { name: 'Sign in again' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    // The news comes first, right under the heading, not below the whole invitation text.
    const blocks = await card(page).locator('.ac-textBlock, .ac-richTextBlock').allTextContents();
    expect(blocks.findIndex((text) => text.startsWith('Admin consent was granted'))).toBe(2);
    await saveScreenshot(page, 'delegated-6-sign-in-again');
    await page.getByRole('button', { name: 'Sign in again' }).click();
    const secondCode = await userCodeOn(page);
    expect(secondCode).not.toBe(firstCode);

    const again = await signInOnSimulator(admin, secondCode, SERVICE_ACCOUNT, 'success', 'delegated-7');
    await expect(again.locator('#sign-in-result').getAttribute('data-outcome')).resolves.toBe('success');
    await waitForCard(page, 'Tenant activated');
    await page.bringToFront();
    await saveScreenshot(page, 'delegated-8-activated');

    await eventually(() =>
      expect(staffUpdates(invitationId)).toEqual(expect.arrayContaining(['admin approval requested', 'admin consent reported', 'tenant activated'])),
    );
    expect(unexpected(admin.problems)).toEqual([]);
    expect(unexpected(reviewer.problems)).toEqual([]);
  });

  it('a Conditional Access block is explained in plain words, and the admin can start again with a new code', async () => {
    const { link, invitationId } = await invite(`invite fabrikam.onmicrosoft.com ${ALEX}`);
    const admin = await browserFor();
    const { page } = admin;

    await page.goto(link);
    await page.getByRole('button', { name: 'Start authentication' }).click();
    const firstCode = await userCodeOn(page);
    const sim = await signInOnSimulator(admin, firstCode, ALEX, 'conditional-access-blocked', 'blocked-1');
    await expect(sim.locator('#sign-in-result').getAttribute('data-outcome')).resolves.toBe('conditional-access-blocked');

    await waitForCard(page, 'Blocked by a Conditional Access policy');
    await expect(page.locator('#ta-announce').textContent()).resolves.toBe('Blocked by a Conditional Access policy');
    const explained = (await card(page).textContent()) ?? '';
    expect(explained).toContain('Many organizations block device code sign-in');
    expect(explained).toMatch(/Next step:.*Conditional Access|Next step:.*sign-in logs/);
    expect(explained).toContain('AADSTS53003');
    await page.bringToFront();
    await saveScreenshot(page, 'blocked-2-explained');

    const retry = page.getByRole('button', { name: /^(Start again|New code)$/ });
    await retry.click();
    const secondCode = await userCodeOn(page);
    expect(secondCode).not.toBe(firstCode);
    await saveScreenshot(page, 'blocked-3-new-code');
    await eventually(() => expect(staffUpdates(invitationId)).toContain('sign-in failed'));
    expect(unexpected(admin.problems)).toEqual([]);
  });
});
