import type { Page } from 'playwright-core';
import { slug } from '../../src/local/identitySimulator/pageLayout';
import { BOOTSTRAP_ADMIN, BotHarness, cardFacts, cardText, cardTitle, startBotHarness } from './botHarness';
import { ChromiumSession, launchChromium, waitForPopups, WatchedPage } from './browser';

/** A customer's journey in chromium: the real bot (local mode, its own identity simulator) and one browser per person. */
export interface BrowserJourney {
  readonly h: BotHarness;
  readonly simulatorUrl: string;
  /** A fresh browser profile: each person (admin, reviewer) has their own; closed after each test. */
  browserFor(): Promise<WatchedPage>;
  /** Staff run `invite …` in Teams; the link from the card, as they would forward it. */
  invite(command: string): Promise<{ link: string; invitationId: string }>;
  card(page: Page): ReturnType<Page['locator']>;
  waitForCard(page: Page, text: string | RegExp): Promise<void>;
  userCodeOn(page: Page): Promise<string>;
  /**
   * Opens the verification page from the device-code card (a popup, like a new tab), enters the
   * code, picks the account and what Entra should answer; the result page, still open.
   */
  signInAtSimulator(admin: WatchedPage, code: string, upn: string, outcome: string, beforeSignIn?: (sim: Page) => Promise<void>): Promise<Page>;
}

/** Registers the suite's hooks (bot and chromium once, a browser per person per test) and gives the steps. */
export function useBrowserJourney(o: { stepTimeoutMs: number; prepare?: (watched: WatchedPage) => Promise<void> }): BrowserJourney {
  let h: BotHarness | undefined;
  let chromium: ChromiumSession | undefined;
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    // No PUBLIC_BASE_URL: links then point at the bot's own address (composeBot derives it from the free port).
    [h, chromium] = await Promise.all([
      startBotHarness({ env: { PUBLIC_BASE_URL: undefined }, compose: { simulatorOptions: { pollIntervalSeconds: 0.2 } } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await chromium?.close();
    await h?.close();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((watched) => watched.close()));
  });

  const card = (page: Page) => page.locator('#ta-card');
  const journey: BrowserJourney = {
    get h() {
      if (!h) throw new Error('the bot is not started yet (use the journey inside a test)');
      return h;
    },
    get simulatorUrl() {
      return journey.h.bot.simulator!.url;
    },
    async browserFor() {
      const watched = await chromium!.newPage({ viewport: { width: 1000, height: 900 }, ignoreHTTPSErrors: true });
      await o.prepare?.(watched);
      opened.push(watched);
      return watched;
    },
    async invite(command) {
      const reply = await journey.h.say(BOOTSTRAP_ADMIN, command);
      expect(cardTitle(reply.card)).toBe('Invitation created');
      const link = cardText(reply.card).split('\n').find((line) => line.startsWith(`${journey.h.url}/invite/`));
      if (!link) throw new Error(`no invitation link on the card:\n${cardText(reply.card)}`);
      return { link, invitationId: cardFacts(reply.card).Invitation };
    },
    card,
    async waitForCard(page, text) {
      await card(page).getByText(text).first().waitFor({ timeout: o.stepTimeoutMs });
    },
    async userCodeOn(page) {
      await page.locator('#userCode').waitFor({ timeout: o.stepTimeoutMs });
      const code = (await page.locator('#userCode').textContent())?.trim() ?? '';
      expect(code).toMatch(/^[A-Z0-9]{6,12}$/);
      return code;
    },
    async signInAtSimulator(admin, code, upn, outcome, beforeSignIn) {
      const before = admin.popups.length;
      await admin.page.getByRole('link', { name: 'Open the Microsoft sign-in page' }).click();
      const sim = (await waitForPopups(admin, before + 1))[before];
      await sim.waitForLoadState();
      expect(sim.url()).toBe(`${journey.simulatorUrl}/devicelogin`);
      await sim.locator('#user-code').fill(code);
      await sim.locator('#next').click();
      await sim.locator(`#account-${slug(upn)}`).check();
      await sim.locator(`#outcome-${outcome}`).check();
      await beforeSignIn?.(sim);
      await sim.locator('#sign-in').click();
      await sim.locator('#sign-in-result').waitFor();
      return sim;
    },
  };
  return journey;
}
