import type { Page } from 'playwright-core';
import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { defaultSimulatedDirectory } from '../../src/local/identitySimulator';
import { AdaptiveCardJson, cardFacts, cardText, cardTitle } from '../support/botHarness';
import { describeInBrowser, eventually, saveScreenshot, waitForPopups, WatchedPage } from '../support/browser';
import { useBrowserJourney } from '../support/browserJourney';

/*
 * What a customer's admin and their reviewer read, in chromium, at each step whose words say what
 * is known: the device code, the approval that is only reported, the reviewer's page through the
 * request's life, the consent callback's pages, the reviewer's no, and what was granted once the
 * tenant is activated. Against the real bot and the local identity simulator, as the journeys
 * suite does; screenshots (texts-*) land in $TMPDIR/tenant-access-screenshots.
 */

const MEGAN = 'megan.bowen@contoso.onmicrosoft.com';
const CONTOSO_SERVICE_ACCOUNT = 'svc-tenantaccess@contoso.onmicrosoft.com';
const FABRIKAM_SERVICE_ACCOUNT = 'svc-tenantaccess@fabrikam.onmicrosoft.com';
const ALEX = 'alex.wilber@fabrikam.onmicrosoft.com';
const CONTOSO_TENANT_ID = defaultSimulatedDirectory().tenants.find((t) => t.domain === 'contoso.onmicrosoft.com')!.tenantId;
const STEP_TIMEOUT_MS = 20_000;
const ADMIN_CENTER_BUTTON = 'Approved in the Microsoft Entra admin center — continue';
const ENTERPRISE_APPS_BUTTON = 'Open Enterprise applications in the Microsoft Entra admin center';
/** The admin center is on the internet; the test answers for it, to see where the button leads. */
const ADMIN_CENTER_STUB = '<!doctype html><title>Microsoft Entra admin center (stand-in)</title><p>stand-in</p>';

const unexpected = (problems: string[], ...expected: RegExp[]) => problems.filter((line) => !expected.some((re) => re.test(line)));

describeInBrowser('customer page texts in chromium: what is known, what was granted', () => {
  const journey = useBrowserJourney({
    stepTimeoutMs: STEP_TIMEOUT_MS,
    prepare: async (watched) => void await watched.context.route('https://entra.microsoft.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: ADMIN_CENTER_STUB })),
  });
  const { browserFor, invite, card, waitForCard, userCodeOn } = journey;

  /** The card as a person reads it: its text, line by line as the renderer laid it out. */
  const cardWords = async (page: Page) => (await card(page).innerText()).replace(/\u00a0/g, ' ');

  /** The simulator's sign-in; Entra's outcome as its result page says it. */
  async function signInOnSimulator(admin: WatchedPage, code: string, upn: string, outcome = 'success'): Promise<string | null> {
    const sim = await journey.signInAtSimulator(admin, code, upn, outcome);
    const answered = await sim.locator('#sign-in-result').getAttribute('data-outcome');
    await sim.close();
    return answered;
  }

  /** Start (or Sign in again), then the simulator; returns Entra's outcome. */
  async function signIn(admin: WatchedPage, button: string, upn: string): Promise<string | null> {
    await admin.page.getByRole('button', { name: button }).click();
    const code = await userCodeOn(admin.page);
    return signInOnSimulator(admin, code, upn);
  }

  async function reviewLinkOn(page: Page): Promise<string> {
    await page.locator('#reviewLink').waitFor({ timeout: STEP_TIMEOUT_MS });
    return ((await page.locator('#reviewLink').textContent()) ?? '').trim();
  }

  /** Review permissions and consent, then Accept or Cancel on Entra's (the simulator's) page; returns the callback page. */
  async function answerOnConsentPage(reviewer: WatchedPage, decision: 'accept' | 'cancel'): Promise<Page> {
    const before = reviewer.popups.length;
    await reviewer.page.getByRole('link', { name: 'Review permissions and consent' }).click();
    const consent = (await waitForPopups(reviewer, before + 1))[before];
    await consent.locator(`#${decision}`).waitFor();
    expect(consent.url().startsWith(`${journey.simulatorUrl}/`)).toBe(true);
    await consent.locator(`#${decision}`).click();
    await consent.waitForURL((url) => url.toString().startsWith(`${journey.h.url}/consent/callback?`), { timeout: STEP_TIMEOUT_MS });
    await consent.locator('.ta-plain-title').waitFor();
    return consent;
  }

  /** The staff chat's notices about one invitation: title (after "<tenant>: ") and text. */
  function staffNotices(invitationId: string): { title: string; text: string }[] {
    return journey.h.connector.requests
      .map((request) => (request.body as { attachments?: { content?: AdaptiveCardJson }[] } | undefined)?.attachments?.[0]?.content)
      .filter((content): content is AdaptiveCardJson => !!content && cardFacts(content).Invitation === invitationId && cardTitle(content) !== 'Invitation created')
      .map((content) => ({ title: cardTitle(content)!.replace(/^[^:]+: /, ''), text: cardText(content) }));
  }

  it('Global admin: the code page says whom to sign in as in one sentence; the activated page lists what was granted and links to the admin center', async () => {
    const { link } = await invite(`invite contoso.onmicrosoft.com ${MEGAN}`);
    const admin = await browserFor();
    const { page } = admin;
    await page.goto(link);
    await waitForCard(page, /asks for access to/);

    await page.getByRole('button', { name: 'Start authentication' }).click();
    const code = await userCodeOn(page);
    const steps = await cardWords(page);
    expect(steps).toContain(`Step 2: Open the Microsoft sign-in page, paste the code, and sign in as ${MEGAN}, your Global Administrator account. Expect Microsoft to ask for multi-factor authentication too.`);
    expect(steps).toContain(`Microsoft asks whether you are trying to sign in to Tenant Access. Continue only if you started this from the invitation ${journey.h.config.providerName} sent you for contoso.onmicrosoft.com.`);
    expect(steps).not.toMatch(/\)\s*\(/);
    expect(steps).not.toContain('**');
    await saveScreenshot(page, 'texts-1-global-device-code');

    expect(await signInOnSimulator(admin, code, MEGAN)).toBe('success');
    await waitForCard(page, 'Tenant activated');
    const activated = await cardWords(page);
    expect(activated).toContain(`${journey.h.config.providerName} now has delegated access to contoso.onmicrosoft.com, through the application Tenant Access.`);
    expect(activated).toContain('What was granted');
    const granted = activated.split('\n').filter((line) => line.startsWith('• '));
    expect(granted).toEqual(
      expect.arrayContaining([
        "• Read your organization's profile (name, domains) — Organization.Read.All",
        '• Sign you in and read your profile — User.Read',
        '• Keep access while you are away (refresh token) — offline_access',
      ]),
    );
    expect(activated).toContain(`Microsoft lists this access as the enterprise application Tenant Access (Application ID ${LOCAL_CLIENT_ID}).`);
    expect(activated).toContain('To review these permissions or revoke the access at any time, open Enterprise applications in your Microsoft Entra admin center (the button below), search for Tenant Access, and choose Permissions.');
    // Sign-in first, keeping access last, whatever order Entra answered in.
    expect(granted[0]).toMatch(/^• Sign you in/);
    expect(granted.at(-1)).toBe('• Keep access while you are away (refresh token) — offline_access');
    await page.bringToFront();
    await saveScreenshot(page, 'texts-2-global-activated');

    // The button opens Enterprise applications in the customer's own tenant (answered here by a stand-in).
    const before = admin.popups.length;
    await page.getByRole('link', { name: ENTERPRISE_APPS_BUTTON }).click();
    const [center] = (await waitForPopups(admin, before + 1)).slice(before);
    await center.waitForLoadState();
    expect(center.url()).toBe(`https://entra.microsoft.com/${CONTOSO_TENANT_ID}/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview`);
    expect(unexpected(admin.problems)).toEqual([]);
  });

  it('Delegated: a reported approval is called reported until the sign-in proves it; the reviewer\'s page and the callback page follow the request', async () => {
    const { link, invitationId } = await invite(`invite contoso.onmicrosoft.com ${CONTOSO_SERVICE_ACCOUNT} delegated`);
    const admin = await browserFor();
    const { page } = admin;
    await page.goto(link);
    await waitForCard(page, /asks for access to/);

    expect(await signIn(admin, 'Start authentication', CONTOSO_SERVICE_ACCOUNT)).toBe('admin-approval-required');
    await waitForCard(page, 'Approval required');
    const approval = await cardWords(page);
    expect(approval).toContain('If they approved the request in the Microsoft Entra admin center instead (Enterprise applications → Admin consent requests), say so with the button below: your next sign-in then checks it.');
    expect(approval).not.toContain('Azure portal');
    await page.bringToFront();
    await saveScreenshot(page, 'texts-3-approval-required');

    // Said too early: nothing is approved in Entra yet. The page and staff say only what is known.
    await page.getByRole('button', { name: ADMIN_CENTER_BUTTON }).click();
    await page.getByRole('button', { name: 'Sign in again' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    const reported = await cardWords(page);
    expect(reported).toContain('Your request was reported as approved in the Microsoft Entra admin center, but that is not confirmed yet. Sign in once more with the same account: that sign-in checks it.');
    expect(reported).not.toContain('Admin consent was granted');
    await saveScreenshot(page, 'texts-4-approval-reported');
    await eventually(() => expect(staffNotices(invitationId).map((n) => n.title)).toContain('admin consent reported'));
    const notice = staffNotices(invitationId).find((n) => n.title === 'admin consent reported')!;
    expect(notice.text).toContain("The customer's admin says the request was approved in the Microsoft Entra admin center; not confirmed yet.");
    expect(notice.text).not.toContain('consent was granted');

    // The next sign-in checks it: Entra still asks for approval, so a new request goes to the reviewer.
    expect(await signIn(admin, 'Sign in again', CONTOSO_SERVICE_ACCOUNT)).toBe('admin-approval-required');
    await waitForCard(page, 'Approval required');
    const reviewLink = await reviewLinkOn(page);

    const reviewer = await browserFor();
    await reviewer.page.goto(reviewLink);
    await waitForCard(reviewer.page, /Admin consent requested for/);
    const pending = await cardWords(reviewer.page);
    expect(pending).toContain('choose Accept or Cancel. If you already approved the request in the Microsoft Entra admin center (Enterprise applications → Admin consent requests), choose Approved in the Microsoft Entra admin center instead');
    // Contoso's name is Graph's since the Global admin's sign-in above.
    expect(pending).toContain(`${CONTOSO_SERVICE_ACCOUNT} asked for approval so that ${journey.h.config.providerName} can manage Contoso through the application Tenant Access.`);
    expect(pending).not.toContain('**');
    await saveScreenshot(reviewer.page, 'texts-5-reviewer-pending');

    const callback = await answerOnConsentPage(reviewer, 'accept');
    // The callback's page has the provider header of the other pages.
    await expect(callback.locator('.ta-provider').textContent()).resolves.toBe(journey.h.config.providerName);
    await expect(callback.locator('.ta-plain-title').textContent()).resolves.toBe('Consent recorded — thank you');
    await expect(callback.locator('.ta-plain-text').textContent()).resolves.toContain('you have nothing more to do');
    await saveScreenshot(callback, 'texts-6-callback-granted');

    // The reviewer's own page follows: titled by what happened, with no buttons described that are gone.
    await reviewer.page.reload(); // it looks again every 5 s while the request is pending
    await waitForCard(reviewer.page, /Admin consent granted for/);
    const granted = await cardWords(reviewer.page);
    expect(granted).not.toContain('Admin consent requested');
    expect(granted).not.toContain('Review permissions and consent');
    expect(granted).not.toContain('choose Approved');
    expect(await reviewer.page.locator('#ta-card button, #ta-card [role="link"]').count()).toBe(0);
    await reviewer.page.bringToFront();
    await saveScreenshot(reviewer.page, 'texts-7-reviewer-granted');

    await page.reload(); // the page looks again every 5 s while approval is pending; the admin reloads
    await waitForCard(page, 'Admin consent was granted by your reviewer.');
    expect(await signIn(admin, 'Sign in again', CONTOSO_SERVICE_ACCOUNT)).toBe('success');
    await waitForCard(page, 'Tenant activated');
    expect(await cardWords(page)).toContain('• Sign you in and read your profile — User.Read');
    await page.bringToFront();
    await saveScreenshot(page, 'texts-8-delegated-activated');

    // The reviewer's page looks again every 15 s; the reviewer reloads instead of waiting for it.
    await reviewer.page.reload();
    await waitForCard(reviewer.page, /Access is in place for/);
    await reviewer.page.getByRole('link', { name: ENTERPRISE_APPS_BUTTON }).waitFor();
    expect(await cardWords(reviewer.page)).toContain('To review its permissions or revoke the access later');
    await reviewer.page.bringToFront();
    await saveScreenshot(reviewer.page, 'texts-9-reviewer-access-in-place');

    const titles = staffNotices(invitationId).map((n) => n.title);
    expect(titles).not.toContain('admin consent granted');
    expect(unexpected(admin.problems)).toEqual([]);
    expect(unexpected(reviewer.problems)).toEqual([]);
  });

  it('the reviewer declines: the service account is told to talk to its reviewer or the provider, and what the reviewer must do', async () => {
    const { link } = await invite(`invite fabrikam.onmicrosoft.com ${FABRIKAM_SERVICE_ACCOUNT} delegated`);
    const admin = await browserFor();
    const { page } = admin;
    await page.goto(link);
    await waitForCard(page, /asks for access to/);
    expect(await signIn(admin, 'Start authentication', FABRIKAM_SERVICE_ACCOUNT)).toBe('admin-approval-required');
    const reviewLink = await reviewLinkOn(page);

    const reviewer = await browserFor();
    await reviewer.page.goto(reviewLink);
    await waitForCard(reviewer.page, /Admin consent requested for/);
    const callback = await answerOnConsentPage(reviewer, 'cancel');
    await expect(callback.locator('.ta-provider').textContent()).resolves.toBe(journey.h.config.providerName);
    await expect(callback.locator('.ta-plain-title').textContent()).resolves.toBe('Your decision was recorded');
    await saveScreenshot(callback, 'texts-10-callback-declined');

    await page.reload(); // the page looks again every 5 s while approval is pending; the admin reloads
    await waitForCard(page, 'Your reviewer declined the request');
    const declined = await cardWords(page);
    expect(declined).toContain(`so ${journey.h.config.providerName} has no access to fabrikam.onmicrosoft.com. Nothing was granted.`);
    expect(declined).toContain(`Talk to your Admin Consent Reviewer, or to ${journey.h.config.providerName} if it is unclear why the access is needed`);
    expect(declined).toContain('If the reviewer agrees, they approve Tenant Access in the Microsoft Entra admin center (Enterprise applications → Admin consent requests); then choose Start again and sign in with the same account.');
    expect(declined).not.toContain('choose Accept');
    await page.bringToFront();
    await saveScreenshot(page, 'texts-11-declined');

    await reviewer.page.reload();
    await waitForCard(reviewer.page, /Admin consent declined for/);
    await reviewer.page.bringToFront();
    await saveScreenshot(reviewer.page, 'texts-12-reviewer-declined');
    expect(unexpected(admin.problems)).toEqual([]);
    expect(unexpected(reviewer.problems)).toEqual([]);
  });

  it('MFA that the sign-in did not include is explained for a device-code sign-in, not as a stored password', async () => {
    const { link } = await invite(`invite fabrikam.onmicrosoft.com ${ALEX}`);
    const admin = await browserFor();
    const { page } = admin;
    await page.goto(link);
    await page.getByRole('button', { name: 'Start authentication' }).click();
    expect(await signInOnSimulator(admin, await userCodeOn(page), ALEX, 'mfa-required')).toBe('mfa-required');

    await waitForCard(page, 'Multi-factor authentication is needed');
    const explained = await cardWords(page);
    expect(explained).toContain('Why: Your organization requires multi-factor authentication (MFA) for this account, and this sign-in finished without it.');
    expect(explained).not.toContain('stored password');
    expect(explained).toContain('Next step: Sign in again with a new code and complete the MFA prompt.');
    await page.bringToFront();
    await saveScreenshot(page, 'texts-13-mfa-needed');
    expect(unexpected(admin.problems)).toEqual([]);
  });
});
