import { createHash } from 'node:crypto';
import type { ComposeOptions } from '../../bot/compose';
import { defaultSimulatedDirectory, IdentitySimulator, SimulatedTenant } from '../../src/local/identitySimulator';
import { callSimulator, inputValue, RawResponse } from '../local/identitySimulatorHarness';
import {
  AdaptiveCardJson,
  BOOTSTRAP_ADMIN,
  BOOTSTRAP_ADMIN_ID,
  BotHarness,
  BotHarnessOptions,
  cardActions,
  cardFacts,
  cardText,
  cardTitle,
  DEFAULT_PUBLIC_BASE_URL,
  Exchange,
  PostOptions,
  startBotHarness,
  TeamsUser,
} from '../support/botHarness';

/**
 * Drives the customer's side of an invitation end to end for the sign-in suites: the staff member
 * invites in Teams, the customer's browser reads and presses the invitation page's JSON endpoints,
 * the person at Microsoft's sign-in page is the identity simulator's control API. Everything goes
 * through the real server, MSAL and the simulator over real sockets.
 */

/** Fast enough for tests, still a real poll loop: MSAL waits `interval` between polls. */
export const FAST_SIMULATOR = { pollIntervalSeconds: 0.05, slowDownIncrementSeconds: 0.2 } as const;

/** The staff member who invites, and the personal chat their proactive cards go to. */
export const STAFF = BOOTSTRAP_ADMIN;
export const STAFF_CONVERSATION = `a:1personal-${BOOTSTRAP_ADMIN_ID}`;

const directory = defaultSimulatedDirectory().tenants;
const named = (prefix: string): SimulatedTenant => {
  const tenant = directory.find((t) => t.displayName.startsWith(prefix));
  if (!tenant) throw new Error(`the simulator's default directory has no ${prefix}`);
  return tenant;
};
export const CONTOSO = named('Contoso');
export const FABRIKAM = named('Fabrikam');
export const NORTHWIND = named('Northwind');

export const adminOf = (t: SimulatedTenant): string => t.users.find((u) => u.role === 'global-admin')!.upn;
export const serviceAccountOf = (t: SimulatedTenant): string => t.users.find((u) => u.role === 'service-account')!.upn;

/**
 * One more customer organization for the simulator (a Global admin and a service account), so each
 * test owns a tenant: token caches are per tenant, and "nothing stored" must mean this test's tenant.
 */
export function customerTenant(slug: string, n: number): SimulatedTenant {
  const hex = (width: number) => n.toString(16).padStart(width, '0');
  const domain = `${slug}.onmicrosoft.com`;
  return {
    tenantId: `5e1a${hex(4)}-7c2d-4e3f-8a9b-0c1d2e3f${hex(4)}`,
    domain,
    displayName: slug[0].toUpperCase() + slug.slice(1),
    users: [
      { upn: `admin@${domain}`, displayName: `${slug} admin`, oid: `6f2b${hex(4)}-8d3e-4f4a-9b0c-1d2e3f4a${hex(4)}`, role: 'global-admin' },
      { upn: `svc@${domain}`, displayName: `${slug} service account`, oid: `7a3c${hex(4)}-9e4f-4a5b-8c1d-2e3f4a5b${hex(4)}`, role: 'service-account' },
    ],
  };
}

/** The default directory plus one tenant per slug (`<slug>.onmicrosoft.com`). */
export function simulatedDirectory(slugs: readonly string[]): { tenants: SimulatedTenant[]; bySlug: Record<string, SimulatedTenant> } {
  const extra = slugs.map((slug, i) => customerTenant(slug, i + 1));
  return { tenants: [...directory, ...extra], bySlug: Object.fromEntries(extra.map((t, i) => [slugs[i], t])) };
}

type SimulatorOptions = NonNullable<ComposeOptions['simulatorOptions']>;

export interface SignInWorld {
  readonly h: BotHarness;
  readonly sim: IdentitySimulator;
}

/** The bot in local mode with its identity simulator on the given directory and fast polling. */
export async function startSignInWorld(
  tenants: SimulatedTenant[],
  options: BotHarnessOptions & { simulator?: SimulatorOptions } = {},
): Promise<SignInWorld> {
  const { simulator, ...rest } = options;
  const h = await startBotHarness({
    ...rest,
    compose: { ...rest.compose, simulatorOptions: { ...FAST_SIMULATOR, tenants, ...simulator } },
  });
  if (!h.bot.simulator) throw new Error('the bot did not start its identity simulator (is ENTRA_* configured?)');
  return { h, sim: h.bot.simulator };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined/false, or fails saying what it waited for. */
export async function waitUntil<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined | false;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== false) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * Waits until the simulator has seen no poll of the code for `quietMs` (eight poll intervals): the
 * poll loop has ended. A poll already in flight when the flow was cancelled may still land first.
 * Returns how many polls there were.
 */
export async function pollingHasStopped(sim: IdentitySimulator, userCode: string, quietMs = 400): Promise<number> {
  let count = sim.control.pollLog(userCode).length;
  await waitUntil(async () => {
    await sleep(quietMs);
    const now = sim.control.pollLog(userCode).length;
    const quiet = now === count;
    count = now;
    return quiet;
  }, `the polls of ${userCode} to stop`, 3_000);
  return count;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const PUBLIC_LINK = new RegExp(`^${DEFAULT_PUBLIC_BASE_URL.replace(/[.]/g, '\\.')}/(invite|review)/([A-Za-z0-9_-]{43})$`);

/** The harness's public base URL is not where the bot listens: the same path on the bot's socket. */
export function onBot(h: BotHarness, publicUrl: string): string {
  if (!publicUrl.startsWith(DEFAULT_PUBLIC_BASE_URL)) throw new Error(`not a link of this bot: ${publicUrl}`);
  return h.url + publicUrl.slice(DEFAULT_PUBLIC_BASE_URL.length);
}

/** The invitation or reviewer link on a card, if it shows one. */
export function linkOn(card: AdaptiveCardJson | undefined, kind: 'invite' | 'review' = 'invite'): { url: string; token: string } | undefined {
  for (const line of cardText(card).split('\n')) {
    const m = PUBLIC_LINK.exec(line.replace(/^Reviewer link: /, ''));
    if (m && m[1] === kind) return { url: m[0], token: m[2] };
  }
  return undefined;
}

export { screenOf, type Screen } from '../support/customerPage';
import { screenOf, type Screen } from '../support/customerPage';

export interface PageAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/**
 * A browser on the invitation page (`/invite/<token>`) or the reviewer page (`/review/<token>`): the
 * HTML shell, its state endpoint, and its actions endpoint, exactly as `invitePage.js` calls them.
 */
export class LinkPage {
  constructor(
    private readonly h: BotHarness,
    readonly kind: 'invite' | 'review',
    readonly token: string,
  ) {}

  static fromCard(h: BotHarness, card: AdaptiveCardJson | undefined, kind: 'invite' | 'review' = 'invite'): LinkPage {
    const link = linkOn(card, kind);
    if (!link) throw new Error(`no ${kind} link on the card:\n${cardText(card)}`);
    return new LinkPage(h, kind, link.token);
  }

  /** The same link, opened on another instance of the bot (they share the store). */
  on(h: BotHarness): LinkPage {
    return new LinkPage(h, this.kind, this.token);
  }

  get path(): string {
    return `/${this.kind}/${this.token}`;
  }

  /** GET the page itself (the HTML shell). */
  async open(): Promise<PageAnswer> {
    const response = await fetch(`${this.h.url}${this.path}`);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  async state(): Promise<Screen> {
    const response = await fetch(`${this.h.url}${this.path}/state`);
    return screenOf(response.status, (await response.json()) as Record<string, unknown>);
  }

  /** Presses a button: POST `{ verb }` to the actions endpoint. */
  async act(verb: string): Promise<Screen> {
    const response = await fetch(`${this.h.url}${this.path}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verb }),
    });
    return screenOf(response.status, (await response.json()) as Record<string, unknown>);
  }

  /** Presses the button titled `title` on the screen, with the verb the card gives it. */
  async press(screen: Screen, title: string): Promise<Screen> {
    const button = screen.card && cardActions(screen.card).find((a) => a.title === title);
    const verb = (button?.data as { verb?: unknown } | undefined)?.verb;
    if (typeof verb !== 'string') throw new Error(`the screen "${screen.title}" has no "${title}" button (it has: ${screen.buttons.join(', ') || 'none'})`);
    return this.act(verb);
  }

  /** Follows the page (as its script polls) until the screen matches. */
  async waitFor(match: string | RegExp | ((s: Screen) => boolean), timeoutMs = 10_000): Promise<Screen> {
    const test = typeof match === 'function' ? match : (s: Screen) => (typeof match === 'string' ? s.title === match : match.test(s.title ?? ''));
    let last: Screen | undefined;
    try {
      return await waitUntil(async () => {
        last = await this.state();
        return test(last) ? last : undefined;
      }, `the ${this.kind} page to show ${String(match)}`, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}; it shows "${last?.title}" (HTTP ${last?.status}):\n${last?.text}`);
    }
  }

  /** Start authentication, then the device code once MSAL has it. */
  async startAndGetCode(verb = 'signin.start'): Promise<{ userCode: string; screen: Screen }> {
    const first = await this.act(verb);
    if (first.gone) throw new Error(`${verb} answered gone (HTTP ${first.status})`);
    const screen = first.userCode ? first : await this.waitFor((s) => s.userCode !== undefined);
    return { userCode: screen.userCode!, screen };
  }
}

export interface Invited {
  readonly id: string;
  readonly page: LinkPage;
  readonly exchange: Exchange;
}

let invites = 0;

/**
 * `invite <tenant> <email> [variant]` by the staff member in their personal chat; the link's page.
 * Each invite gets a message id of its own across harnesses: the invitation id derives from it, and
 * bot instances sharing one store would otherwise number their activities alike.
 */
export async function invite(h: BotHarness, tenant: SimulatedTenant, email: string, variant: 'global' | 'delegated' = 'global'): Promise<Invited> {
  const activityId = `${Date.now()}${String(++invites).padStart(4, '0')}`;
  const exchange = await h.say(STAFF, `invite ${tenant.domain} ${email} ${variant}`, { activityId });
  if (cardTitle(exchange.card) !== 'Invitation created') throw new Error(`invite did not create an invitation:\n${cardText(exchange.card)}`);
  return { id: cardFacts(exchange.card).Invitation, page: LinkPage.fromCard(h, exchange.card), exchange };
}

/** A staff command in the staff member's chat; its one card. */
export async function staffSays(h: BotHarness, text: string, user: TeamsUser = STAFF, options: PostOptions = {}): Promise<AdaptiveCardJson | undefined> {
  return (await h.say(user, text, options)).card;
}

export interface StaffUpdate {
  /** e.g. "sign-in started" (the card's headline after "<tenant>: "). */
  readonly title: string;
  readonly text: string;
  readonly facts: Record<string, string>;
  readonly card: AdaptiveCardJson;
  readonly conversationId: string;
}

/** `/v3/conversations/<id>/activities[/<replyToId>]` → the conversation id. */
function conversationOfPath(path: string): string | undefined {
  const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/[^/]+)?$/.exec(path);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** The proactive "staff update" cards the bot sent about one invitation, oldest first, wherever they went. */
export function staffUpdates(h: BotHarness, invitationId: string): StaffUpdate[] {
  const out: StaffUpdate[] = [];
  for (const request of h.connector.requests) {
    const conversationId = conversationOfPath(request.path.split('?')[0]);
    const body = request.body as { attachments?: { content?: AdaptiveCardJson }[] } | undefined;
    const card = body?.attachments?.[0]?.content;
    if (request.method !== 'POST' || !conversationId || !card) continue;
    const facts = cardFacts(card);
    if (facts.Invitation !== invitationId || facts.When === undefined) continue;
    const headline = cardTitle(card) ?? '';
    out.push({ title: headline.slice(headline.indexOf(': ') + 2), text: cardText(card), facts, card, conversationId });
  }
  return out;
}

/** The stored invitation (system properties included). */
export async function storedInvitation(h: BotHarness, id: string): Promise<Record<string, unknown> & { status: string }> {
  const found = (await h.documents(['invitations'])).invitations.find((d) => d.id === id);
  if (!found) throw new Error(`no stored invitation ${id}`);
  return found as Record<string, unknown> & { status: string };
}

export async function tokenCacheDocs(h: BotHarness, tenantId?: string): Promise<Record<string, unknown>[]> {
  const docs = (await h.documents(['tokenCaches'])).tokenCaches;
  return tenantId === undefined ? docs : docs.filter((d) => d.tenantId === tenantId);
}

/** A GET on the simulator (trusting only its CA), for pages a person would see there. */
export function onSimulator(sim: IdentitySimulator, method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<RawResponse> {
  return callSimulator(sim, method, url, form ? { form } : {});
}

/**
 * The reviewer on Entra's admin consent page: opens the URL from the consent-review card, reads the
 * form the page shows, and submits it with Accept or Cancel. Returns where Entra redirects to.
 */
export async function decideOnConsentPage(sim: IdentitySimulator, consentUrl: string, decision: 'accept' | 'cancel'): Promise<URL> {
  const page = await onSimulator(sim, 'GET', consentUrl);
  if (page.status !== 200) throw new Error(`the admin consent page answered ${page.status}: ${page.text}`);
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
  if (!action) throw new Error('the admin consent page has no form');
  const form: Record<string, string> = { decision };
  for (const name of ['client_id', 'scope', 'redirect_uri', 'state']) {
    const value = inputValue(page.text, name);
    if (value !== undefined) form[name] = value;
  }
  const answer = await onSimulator(sim, 'POST', action.replace(/&amp;/g, '&'), form);
  const location = answer.headers.location;
  if (answer.status !== 302 && answer.status !== 303) throw new Error(`the admin consent form answered ${answer.status}, not a redirect`);
  return new URL(String(location));
}

/** The URL behind a card's Action.OpenUrl button. */
export function openUrlOf(card: AdaptiveCardJson | undefined, title: string): string {
  const action = card && (cardActions(card) as { title: string; type: string; url?: string }[]).find((a) => a.title === title && a.type === 'Action.OpenUrl');
  if (!action?.url) throw new Error(`no "${title}" link on the card:\n${cardText(card)}`);
  return action.url;
}
