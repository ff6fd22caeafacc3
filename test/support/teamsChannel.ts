import type { LocalBotFrameworkIssuer } from './jwt/localBotFrameworkIssuer';
import type { RecordedConnectorRequest, RecordingConnectorService } from './jwt/recordingConnectorService';

/**
 * Teams, as far as a bot in another process can tell: activities shaped the way Teams posts them to
 * `/api/messages` (a personal chat), each with a channel token from the local Bot Framework issuer,
 * and the bot's answers read off the recording connector that stands in for the activity's serviceUrl.
 *
 * Only reads cards as JSON: nothing of the bot is loaded into the test process.
 */

export type { AdaptiveCardJson } from './cardReading';
export { cardActions, cardElement, cardFacts, cardText, cardTitle, type CardAction } from './cardReading';
import type { AdaptiveCardJson } from './cardReading';

export interface TeamsUser {
  readonly aadObjectId: string;
  readonly tenantId: string;
  readonly name: string;
}

export interface TeamsExchange {
  readonly activity: Record<string, unknown> & { id: string };
  readonly status: number;
  readonly body: string;
  /** The connector requests that answer this activity (`replyToId` = its id), in order. */
  readonly replies: RecordedConnectorRequest[];
  /** The first card among the replies. */
  readonly card: AdaptiveCardJson | undefined;
}

export interface TeamsChannel {
  /** A message in the user's personal chat with the bot. */
  say(user: TeamsUser, text: string): Promise<TeamsExchange>;
  /** Posts any body with any Authorization header (none when undefined). */
  postRaw(body: unknown, authorization: string | undefined): Promise<{ status: number; body: string; headers: Headers }>;
}

export interface TeamsChannelOptions {
  /** Where the bot listens (`http://127.0.0.1:<port>`). */
  readonly botUrl: string;
  /** The bot's Microsoft App ID: the token's audience and the bot's `28:` id. */
  readonly botId: string;
  readonly botName?: string;
  readonly issuer: LocalBotFrameworkIssuer;
  readonly connector: RecordingConnectorService;
}

/** The personal chat's conversation id, as Teams names it for a user. */
export const personalConversationId = (user: TeamsUser) => `a:1personal-${user.aadObjectId}`;

let sequence = 0;

export function teamsChannel(options: TeamsChannelOptions): TeamsChannel {
  const { botUrl, botId, issuer, connector } = options;
  const botName = options.botName ?? 'Tenant Access';

  const postRaw = async (body: unknown, authorization: string | undefined) => {
    const response = await fetch(`${botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.text(), headers: response.headers };
  };

  return {
    postRaw,
    async say(user, text) {
      // Unique across runs of the suite against one store: invitation ids derive from the activity id.
      const id = `1${Date.now()}${String(++sequence).padStart(4, '0')}`;
      const activity = {
        id,
        type: 'message',
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        timestamp: new Date().toISOString(),
        localTimestamp: new Date().toISOString(),
        locale: 'en-US',
        text,
        textFormat: 'plain',
        from: { id: `29:1${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId },
        recipient: { id: `28:${botId}`, name: botName },
        conversation: { conversationType: 'personal', tenantId: user.tenantId, id: personalConversationId(user) },
        entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' }],
        channelData: { tenant: { id: user.tenantId } },
      };
      const token = issuer.mintToken({ audience: botId, serviceUrl: connector.serviceUrl });
      const before = connector.requests.length;
      const answer = await postRaw(activity, `Bearer ${token}`);
      const replies = connector.requests.slice(before).filter((r) => (r.body as { replyToId?: unknown } | undefined)?.replyToId === id);
      const card = replies.map(cardOfRequest).find((c) => c !== undefined);
      return { activity, status: answer.status, body: answer.body, replies, card };
    },
  };
}

/** `attachments[0].content` of an activity sent to the connector. */
export function cardOfRequest(request: RecordedConnectorRequest): AdaptiveCardJson | undefined {
  const content = (request.body as { attachments?: { content?: unknown }[] } | undefined)?.attachments?.[0]?.content;
  return content && typeof content === 'object' ? (content as AdaptiveCardJson) : undefined;
}

/** `/v3/conversations/<id>/activities[/<replyToId>]` → the conversation id. */
export function conversationOfRequest(request: RecordedConnectorRequest): string | undefined {
  const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/[^/]+)?$/.exec(request.path.split('?')[0]);
  return m ? decodeURIComponent(m[1]) : undefined;
}

