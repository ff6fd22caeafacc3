import { AdaptiveCardJson, cardActions, cardElement, cardText, cardTitle } from './cardReading';

/**
 * A browser on the bot's invitation page (`/invite/<token>`) or reviewer page (`/review/<token>`),
 * talking to the page's JSON endpoints the way its script does (GET `<page>/state`, POST
 * `<page>/actions` with `{ verb }`), against the bot's own socket. Links on cards point at
 * PUBLIC_BASE_URL; `linkOn` finds them and `onBot` moves them to where the bot listens.
 */

export interface Screen {
  readonly status: number;
  /** 404 `{ gone: true }`: the link no longer works. */
  readonly gone: boolean;
  readonly card?: AdaptiveCardJson;
  readonly pollAfterMs?: number | null;
  readonly countdownTo?: string;
  /** The card's headline: the flow title, or the card's first line. */
  readonly title?: string;
  /** Every string on the card. */
  readonly text: string;
  /** The device code, when the card shows one. */
  readonly userCode?: string;
  /** Button titles. */
  readonly buttons: string[];
  readonly error?: string;
}

/** What the page's script would draw from one answer of the state or actions endpoint. */
export function screenOf(status: number, json: Record<string, unknown>): Screen {
  const card = json.card as AdaptiveCardJson | undefined;
  return {
    status,
    gone: json.gone === true,
    card,
    pollAfterMs: json.pollAfterMs as number | null | undefined,
    countdownTo: json.countdownTo as string | undefined,
    title: cardElement(card, 'flowTitle')?.text ?? cardTitle(card),
    text: cardText(card),
    userCode: cardElement(card, 'userCode')?.text,
    buttons: card ? cardActions(card).map((a) => a.title) : [],
    error: typeof json.error === 'string' ? json.error : undefined,
  };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** The invitation or reviewer link (under `publicBaseUrl`) on a card, if it shows one. */
export function linkOn(card: AdaptiveCardJson | undefined, publicBaseUrl: string, kind: 'invite' | 'review' = 'invite'): { url: string; token: string } | undefined {
  const pattern = new RegExp(`^${escape(publicBaseUrl)}/(invite|review)/([A-Za-z0-9_-]{43})$`);
  for (const line of cardText(card).split('\n')) {
    const m = pattern.exec(line.replace(/^Reviewer link: /, ''));
    if (m && m[1] === kind) return { url: m[0], token: m[2] };
  }
  return undefined;
}

/** The same path and query on the bot's socket: what PUBLIC_BASE_URL's reverse proxy would do. */
export function onBot(botUrl: string, publicBaseUrl: string, publicUrl: string): string {
  if (!publicUrl.startsWith(`${publicBaseUrl}/`)) throw new Error(`not a link of this bot (${publicBaseUrl}): ${publicUrl}`);
  return botUrl + publicUrl.slice(publicBaseUrl.length);
}

/** The URL behind a card's Action.OpenUrl button. */
export function openUrlOf(card: AdaptiveCardJson | undefined, title: string): string {
  const action = cardActions(card).find((a) => a.title === title && a.type === 'Action.OpenUrl');
  if (!action?.url) throw new Error(`no "${title}" link on the card:\n${cardText(card)}`);
  return action.url;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined/false, or fails saying what it waited for. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await probe();
    if (last !== undefined && last !== false) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Between two reads of a page's state: often enough for a quick suite, rarely enough for a per-client rate limit. */
const PAGE_POLL_MS = 100;

export class CustomerPage {
  constructor(
    readonly botUrl: string,
    readonly kind: 'invite' | 'review',
    readonly token: string,
  ) {}

  get path(): string {
    return `/${this.kind}/${this.token}`;
  }

  /** GET the page itself (the HTML shell). */
  async open(): Promise<{ status: number; body: string }> {
    const response = await fetch(`${this.botUrl}${this.path}`);
    return { status: response.status, body: await response.text() };
  }

  async state(): Promise<Screen> {
    const response = await fetch(`${this.botUrl}${this.path}/state`);
    return screenOf(response.status, (await response.json()) as Record<string, unknown>);
  }

  /** Presses a button: POST `{ verb }` to the actions endpoint. */
  async act(verb: string): Promise<Screen> {
    const response = await fetch(`${this.botUrl}${this.path}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verb }),
    });
    return screenOf(response.status, (await response.json()) as Record<string, unknown>);
  }

  /** Presses the button titled `title` on the screen, with the verb the card gives it. */
  async press(screen: Screen, title: string): Promise<Screen> {
    const button = cardActions(screen.card).find((a) => a.title === title);
    const verb = (button?.data as { verb?: unknown } | undefined)?.verb;
    if (typeof verb !== 'string') throw new Error(`the screen "${screen.title}" has no "${title}" button (it has: ${screen.buttons.join(', ') || 'none'})`);
    return this.act(verb);
  }

  /** Follows the page (as its script polls) until the screen matches. */
  async waitFor(match: string | ((s: Screen) => boolean), timeoutMs = 10_000): Promise<Screen> {
    const test = typeof match === 'function' ? match : (s: Screen) => s.title === match;
    let last: Screen | undefined;
    try {
      return await waitUntil(async () => {
        last = await this.state();
        return test(last) ? last : undefined;
      }, `the ${this.kind} page to show ${String(match)}`, timeoutMs, PAGE_POLL_MS);
    } catch (error) {
      throw new Error(`${(error as Error).message}; it shows "${last?.title}" (HTTP ${last?.status}):\n${last?.text}`);
    }
  }

  /** Presses the button (or sends the verb), then waits for the device code once the bot has it. */
  async startAndGetCode(start: { verb: string } | { button: string; on: Screen } = { verb: 'signin.start' }): Promise<{ userCode: string; screen: Screen }> {
    const first = 'verb' in start ? await this.act(start.verb) : await this.press(start.on, start.button);
    if (first.gone) throw new Error(`starting the sign-in answered gone (HTTP ${first.status})`);
    const screen = first.userCode ? first : await this.waitFor((s) => s.userCode !== undefined);
    return { userCode: screen.userCode!, screen };
  }
}
