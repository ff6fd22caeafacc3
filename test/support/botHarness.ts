import { composeBot, ComposeOptions, RunningBot } from '../../bot/compose';
import type { Clock } from '../../src/clock';
import { Config, LOCAL_PLAYGROUND, loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { CONTAINERS, type ContainerName } from '../../src/adapters/cosmos/cosmosStore';
import { memoryStores, type MemoryStores } from '../../src/adapters/memory/memoryStores';
import type { Persistence } from '../../bot/compose/store';
import { startRecordingConnectorService, type RecordedConnectorRequest, type RecordingConnectorService } from './jwt/recordingConnectorService';

/**
 * The real bot over real sockets, for end-to-end tests: `composeBot` on 127.0.0.1 with an ephemeral
 * port, a recording connector service as every activity's `serviceUrl`, and activities shaped the
 * way Teams sends them (personal chat, channel @mention, group chat, Action.Execute invokes,
 * Action.Submit messages, install events). Logs go to memory so tests can read them.
 *
 *   const h = await startBotHarness({ compose: { clock } });
 *   const { card } = await h.say(admin, 'invite contoso.onmicrosoft.com megan@contoso.com');
 *   const again = await h.press(admin, card!, 'Revoke');
 *   await h.close();
 *
 * Posts are meant to run one at a time (as jest runs the tests of a file): the replies of a post
 * are the connector requests recorded while it was in flight that answer its activity id.
 */

/** Local mode's provider tenant and bootstrap admin (src/config.ts LOCAL_PLAYGROUND). */
export const PROVIDER_TENANT_ID: string = LOCAL_PLAYGROUND.tenantIds[0];
export const BOOTSTRAP_ADMIN_ID: string = LOCAL_PLAYGROUND.adminObjectIds[0];

/** How Teams addresses the bot, and the name an @mention shows. */
export const BOT_ACCOUNT = { id: '28:7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09', name: 'Tenant Access' } as const;

/** The team and channel the channel helpers post in. */
export const TEAM = {
  teamId: '19:3b1f0c9d8e7a6b5c4d3e2f1a0b9c8d7e@thread.tacv2',
  channelId: '19:0a1b2c3d4e5f60718293a4b5c6d7e8f9@thread.tacv2',
} as const;

export const DEFAULT_PUBLIC_BASE_URL = 'https://tenant-access.example.test';

export interface TeamsUser {
  readonly aadObjectId: string;
  readonly tenantId: string;
  readonly name: string;
}

export function teamsUser(aadObjectId: string, name = 'Test user', tenantId: string = PROVIDER_TENANT_ID): TeamsUser {
  return { aadObjectId, tenantId, name };
}

/** The bootstrap admin of local mode (the Agents Playground's default user). */
export const BOOTSTRAP_ADMIN = teamsUser(BOOTSTRAP_ADMIN_ID, 'Provider Admin');

/** Where an activity happens. Channels and group chats carry an @mention of the bot. */
export type Place = 'personal' | 'channel' | 'groupChat';

export { ManualClock } from './clocks';

export type { AdaptiveCardJson } from './cardReading';
import { cardActions, type AdaptiveCardJson } from './cardReading';
export type TeamsActivity = Record<string, unknown> & {
  id: string;
  type: string;
  conversation: { id: string; conversationType: string; tenantId?: string; isGroup?: boolean };
};

export interface Exchange {
  /** What was posted (post it again to simulate a redelivery). */
  readonly activity: TeamsActivity;
  readonly status: number;
  /** Parsed JSON, the raw text, or undefined for an empty body. */
  readonly body: unknown;
  /** Activities the bot sent to the connector in answer to this one. */
  readonly replies: Record<string, unknown>[];
  /** `attachments[0].content` of each reply, then the card of an invoke response. */
  readonly cards: AdaptiveCardJson[];
  /** The one card this exchange produced, if any. */
  readonly card: AdaptiveCardJson | undefined;
}

export interface PostOptions {
  readonly place?: Place;
  /** Reuse an id (Teams redelivers with the same one); default: a fresh id. */
  readonly activityId?: string;
  /** The Authorization header; `null` sends none. Default: the harness's `authorize`. */
  readonly authorization?: string | null;
}

export interface LogRecorder {
  /** Every line pino wrote, as written. */
  readonly lines: string[];
  /** The lines, parsed. */
  records(): Record<string, unknown>[];
}

export interface BotHarnessOptions {
  /** Environment for `loadConfig`; PORT is always 0 (an ephemeral port). */
  readonly env?: Record<string, string | undefined>;
  /** Last word on the parsed Config. */
  readonly config?: (config: Config) => Config;
  /** Passed to composeBot as they are (clock, random, credentialsFactory, openIdMetadataUrl, …). */
  readonly compose?: Omit<ComposeOptions, 'config' | 'logger'>;
  /** The Authorization header for each posted activity (e.g. a minted Bot Framework token). */
  readonly authorize?: (activity: TeamsActivity, serviceUrl: string) => string | undefined;
}

export interface BotHarness {
  readonly bot: RunningBot;
  readonly url: string;
  readonly config: Config;
  readonly connector: RecordingConnectorService;
  readonly logs: LogRecorder;
  /** Every exchange so far, for file-wide checks (no 500, no stack trace). */
  readonly exchanges: Exchange[];
  /** A chat message; in a channel or group chat it starts with `<at>Tenant Access</at>`. */
  say(user: TeamsUser, text: string, options?: PostOptions): Promise<Exchange>;
  /** Action.Execute: an `adaptiveCard/action` invoke. */
  execute(user: TeamsUser, verb: string, data: Record<string, unknown>, options?: PostOptions): Promise<Exchange>;
  /** Action.Submit: a message whose `value` is the button's data. */
  submit(user: TeamsUser, data: Record<string, unknown>, options?: PostOptions): Promise<Exchange>;
  /** Presses the button titled `title` on `card`: its Action.Execute, or with `fallback` its Action.Submit. */
  press(user: TeamsUser, card: AdaptiveCardJson, title: string, options?: PostOptions & { fallback?: boolean }): Promise<Exchange>;
  /** The bot was installed (personal) or added to the team / group chat. */
  install(user: TeamsUser, options?: PostOptions): Promise<Exchange>;
  /** conversationUpdate with the bot in membersAdded. */
  membersAdded(user: TeamsUser, options?: PostOptions): Promise<Exchange>;
  /** Posts any activity to /api/messages. */
  post(activity: TeamsActivity, options?: Pick<PostOptions, 'authorization'>): Promise<Exchange>;
  get(path: string): Promise<{ status: number; body: string }>;
  /** Every document of the named containers (default: all; only those keys are filled), system properties included. */
  documents(names?: readonly ContainerName[]): Promise<Record<ContainerName, Record<string, unknown>[]>>;
  close(): Promise<void>;
}

/** The Config the harness runs: `loadConfig(env)` with PORT=0 (composeBot picks a free port). */
export function harnessConfig(env: Record<string, string | undefined> = {}): Config {
  // Tests poll the customer pages far faster than a person: the per-client limit is tested on its own.
  const loaded = loadConfig({ PUBLIC_BASE_URL: DEFAULT_PUBLIC_BASE_URL, LOG_LEVEL: 'info', CUSTOMER_RATE_LIMIT_PER_MINUTE: '100000', ...env, PORT: '0' });
  if (!loaded.ok) throw new Error(`the test configuration was rejected: ${loaded.errors.join('; ')}`);
  return loaded.config;
}

export async function startBotHarness(options: BotHarnessOptions = {}): Promise<BotHarness> {
  const parsed = harnessConfig(options.env);
  const config = options.config ? options.config(parsed) : parsed;
  const lines: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void lines.push(line) });
  const connector = await startRecordingConnectorService();
  let bot: RunningBot;
  try {
    bot = await composeBot({ ...options.compose, config, logger });
  } catch (error) {
    await connector.close();
    throw error;
  }

  const exchanges: Exchange[] = [];
  let sequence = 0;
  const nextId = (prefix = '') => `${prefix}1740819600${String(++sequence).padStart(3, '0')}`;

  const base = (user: TeamsUser, place: Place, id: string, type: string): TeamsActivity => {
    const from = { id: `29:1${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId };
    const recipient = { id: BOT_ACCOUNT.id, name: BOT_ACCOUNT.name };
    const clientInfo = { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' };
    const common = { id, type, channelId: 'msteams', serviceUrl: connector.serviceUrl, timestamp: new Date().toISOString(), locale: 'en-US', from, recipient };
    switch (place) {
      case 'personal':
        return {
          ...common,
          conversation: { conversationType: 'personal', tenantId: user.tenantId, id: `a:1personal-${user.aadObjectId}` },
          entities: [clientInfo],
          channelData: { tenant: { id: user.tenantId } },
        };
      case 'channel':
        return {
          ...common,
          // A new channel post starts a thread: Teams names the conversation after its root message.
          conversation: { isGroup: true, conversationType: 'channel', tenantId: user.tenantId, id: type === 'message' ? `${TEAM.channelId};messageid=${id}` : TEAM.channelId },
          entities: [clientInfo],
          channelData: {
            teamsChannelId: TEAM.channelId,
            teamsTeamId: TEAM.teamId,
            channel: { id: TEAM.channelId },
            team: { id: TEAM.teamId },
            tenant: { id: user.tenantId },
          },
        };
      case 'groupChat':
        return {
          ...common,
          conversation: { isGroup: true, conversationType: 'groupChat', tenantId: user.tenantId, id: '19:meeting_5f4e3d2c1b0a@thread.v2' },
          entities: [clientInfo],
          channelData: { tenant: { id: user.tenantId } },
        };
    }
  };

  const withMention = (activity: TeamsActivity, text: string): TeamsActivity => {
    const mention = `<at>${BOT_ACCOUNT.name}</at>`;
    return {
      ...activity,
      text: `${mention} ${text}`,
      textFormat: 'plain',
      attachments: [{ contentType: 'text/html', content: `<p><span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">${BOT_ACCOUNT.name}</span> ${text}</p>` }],
      entities: [{ type: 'mention', text: mention, mentioned: { id: BOT_ACCOUNT.id, name: BOT_ACCOUNT.name } }, ...(activity.entities as unknown[])],
    };
  };

  async function post(activity: TeamsActivity, postOptions: Pick<PostOptions, 'authorization'> = {}): Promise<Exchange> {
    const authorization = postOptions.authorization === undefined ? options.authorize?.(activity, connector.serviceUrl) : postOptions.authorization ?? undefined;
    const before = connector.requests.length;
    const response = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    let body: unknown = text === '' ? undefined : text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const replies = connector.requests
      .slice(before)
      .map((r: RecordedConnectorRequest) => r.body as Record<string, unknown>)
      .filter((b) => typeof b === 'object' && b !== null && b.replyToId === activity.id);
    const cards = replies.flatMap((r) => {
      const content = (r.attachments as { content?: unknown }[] | undefined)?.[0]?.content;
      return content && typeof content === 'object' ? [content as AdaptiveCardJson] : [];
    });
    const invoke = body as { type?: unknown; value?: unknown } | undefined;
    if (activity.type === 'invoke' && invoke?.type === 'application/vnd.microsoft.card.adaptive' && typeof invoke.value === 'object') {
      cards.push(invoke.value as AdaptiveCardJson);
    }
    const exchange: Exchange = { activity, status: response.status, body, replies, cards, card: cards[0] };
    exchanges.push(exchange);
    return exchange;
  }

  const harness: BotHarness = {
    bot,
    url: bot.url,
    config,
    connector,
    logs: { lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) },
    exchanges,
    say(user, text, o = {}) {
      const place = o.place ?? 'personal';
      const activity = base(user, place, o.activityId ?? nextId(), 'message');
      return post(place === 'personal' ? { ...activity, text, textFormat: 'plain' } : withMention(activity, text), o);
    },
    execute(user, verb, data, o = {}) {
      const activity = base(user, o.place ?? 'personal', o.activityId ?? nextId('f:'), 'invoke');
      return post(
        {
          ...activity,
          name: 'adaptiveCard/action',
          replyToId: nextId(),
          value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
          channelData: { ...(activity.channelData as object), source: { name: 'message' } },
        },
        o,
      );
    },
    submit(user, data, o = {}) {
      const activity = base(user, o.place ?? 'personal', o.activityId ?? nextId(), 'message');
      return post({ ...activity, replyToId: nextId(), value: data, channelData: { ...(activity.channelData as object), source: { name: 'message' } } }, o);
    },
    press(user, card, title, o = {}) {
      const button = cardActions(card).find((a) => a.title === title);
      if (!button) throw new Error(`the card has no "${title}" button (it has: ${cardActions(card).map((a) => a.title).join(', ') || 'none'})`);
      if (o.fallback) {
        if (button.fallback?.type !== 'Action.Submit') throw new Error(`"${title}" has no Action.Submit fallback`);
        return harness.submit(user, button.fallback.data ?? {}, o);
      }
      if (button.type !== 'Action.Execute' || !button.verb) throw new Error(`"${title}" is not an Action.Execute`);
      return harness.execute(user, button.verb, button.data ?? {}, o);
    },
    install(user, o = {}) {
      const activity = base(user, o.place ?? 'personal', o.activityId ?? nextId('f:'), 'installationUpdate');
      return post({ ...activity, action: 'add' }, o);
    },
    membersAdded(user, o = {}) {
      const activity = base(user, o.place ?? 'personal', o.activityId ?? nextId('f:'), 'conversationUpdate');
      const channelData = { ...(activity.channelData as object), eventType: 'teamMemberAdded' };
      return post({ ...activity, membersAdded: [{ id: BOT_ACCOUNT.id }], channelData }, o);
    },
    post,
    async get(path) {
      const response = await fetch(`${bot.url}${path}`);
      return { status: response.status, body: await response.text() };
    },
    async documents(names = Object.keys(CONTAINERS) as ContainerName[]) {
      const { store } = bot;
      const entries = await Promise.all(
        names.map(async (name) => {
          if (!store) return [name, await memoryDocuments(bot.stores as MemoryStores, name)] as const;
          const { resources } = await store.containers[name].items.readAll<Record<string, unknown> & { id: string }>().fetchAll();
          return [name, resources] as const;
        }),
      );
      return Object.fromEntries(entries) as unknown as Record<ContainerName, Record<string, unknown>[]>;
    },
    async close() {
      await bot.close();
      await connector.close();
    },
  };
  return harness;
}

export { cardActions, cardFacts, cardText, cardTitle, textOf, type CardAction } from './cardReading';

/** The store ports in memory, for the fast layer: `compose: { persistence: memoryPersistence() }`. */
export function memoryPersistence(): Persistence & { stores: MemoryStores } {
  return { stores: memoryStores(), ping: async () => true, kind: 'memory' };
}

/** What the Cosmos container of that name would hold, read from the memory stores. */
async function memoryDocuments(stores: MemoryStores, name: ContainerName): Promise<Record<string, unknown>[]> {
  const byContainer: Partial<Record<ContainerName, () => Promise<unknown[]>>> = {
    tenants: () => stores.tenants.documents(),
    invitations: () => stores.invitations.documents(),
    invitationGuards: () => stores.pendingGuards.documents(),
    staff: () => stores.staff.documents(),
    conversations: () => stores.conversations.documents(),
    audit: () => stores.audit.documents(),
    leases: () => stores.leases.documents(),
    tokenCaches: () => stores.tokenCacheDocs.documents(),
    validations: () => stores.validations.documents(),
    sweeps: () => stores.sweeps.documents(),
  };
  return ((await byContainer[name]?.()) ?? []) as Record<string, unknown>[];
}
