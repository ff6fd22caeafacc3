import type { ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { CallerIdConstants } from 'botbuilder';
import {
  AuthenticationConstants,
  ChannelValidation,
  SimpleCredentialProvider,
  SkillValidation,
  type ClaimsIdentity,
} from 'botframework-connector';

/**
 * Inbound authentication for POST /api/messages: a request without a valid Bot Framework channel
 * token gets 401 with a constant body before any handler runs.
 *
 * Why not `BotFrameworkAuthentication.authenticateRequest` (what CloudAdapter calls)? It picks a
 * validation path from the *unverified* token and activity: a token whose issuer looks like Entra
 * goes to the emulator path, which checks `appid`/`azp` but not the audience, trusts any tenant named
 * in the token's own `tid` (it appends that tenant's issuers to a process-wide list, on every request,
 * unbounded), and fetches Entra's keys; `channelId: 'AseChannel'` goes to a path with the same
 * shape. Teams only ever sends channel tokens, so we run the library's channel path alone:
 * `ChannelValidation.authenticateChannelToken[WithServiceUrl]` (signature, algorithm, key id, expiry,
 * not-before, issuer, audience, endorsements, serviceUrl). Nothing here verifies a JWT by hand.
 *
 * The adapter authenticates again with the same settings (`botFrameworkAuthenticationOptions`); what
 * we accept is a subset of what it accepts, and the keys are cached per metadata URL for both.
 */

import type { BotType } from '../../src/config';

/** The Teams toolkit's names: BOT_ID, BOT_TYPE, BOT_TENANT_ID. */
export interface BotIdentitySettings {
  botId: string;
  botType?: BotType;
  /** Required for SingleTenant and UserAssignedMsi. */
  botTenantId?: string;
  /** Where the channel's signing keys are published; tests point it at a local server. */
  openIdMetadataUrl?: string;
}

export type InboundAuthRejection =
  | 'missing-authorization'
  | 'not-bearer'
  | 'malformed-token'
  /** Unverified issuer is not Bot Framework's channel issuer (Entra, emulator, skill, anything else). */
  | 'not-a-channel-token'
  /** The library's AseChannel path accepts tokens without an audience check; Teams never uses it. */
  | 'unsupported-channel'
  /** The library refused the token: signature, key, expiry, audience, endorsement, serviceUrl, metadata. */
  | 'invalid-token';

export type InboundAuthResult =
  | { ok: true; claims: Readonly<Record<string, unknown>> }
  /** `detail` is the library's words, for logs only: never send it to the caller. */
  | { ok: false; reason: InboundAuthRejection; detail?: string };

/** The activity fields a channel token is bound to; leave them out to check the token alone. */
export interface ActivityBinding {
  channelId?: string;
  serviceUrl?: string;
}

export interface InboundAuthenticator {
  authenticate(authHeader: string | undefined, activity?: ActivityBinding): Promise<InboundAuthResult>;
}

const channelTokenIssuer = AuthenticationConstants.ToBotFromChannelTokenIssuer;
const aseChannelId = 'asechannel';
const botTypes: readonly BotType[] = ['MultiTenant', 'SingleTenant', 'UserAssignedMsi'];

function checkSettings(settings: BotIdentitySettings): void {
  if (!settings.botId?.trim()) {
    // botbuilder treats an empty app id as "authentication disabled"; never let that happen by accident.
    throw new Error('inboundAuth: botId (BOT_ID) is required');
  }
  const botType = settings.botType ?? 'MultiTenant';
  if (!botTypes.includes(botType)) {
    throw new Error(`inboundAuth: BOT_TYPE must be one of ${botTypes.join(', ')}`);
  }
  if (botType !== 'MultiTenant' && !settings.botTenantId?.trim()) {
    throw new Error(`inboundAuth: BOT_TENANT_ID is required when BOT_TYPE is ${botType}`);
  }
}

/**
 * Settings for the adapter (`new TeamsAdapter({ ...options, MicrosoftAppPassword })` or
 * `new ConfigurationBotFrameworkAuthentication(options, credentialsFactory)`), so that it validates
 * against the same keys. Every endpoint is spelled out: as soon as one is set, botbuilder treats all of
 * them as given and leaves the rest undefined (replies would then ask for a token without a scope).
 * Bot type and tenant only change how the bot gets its own outbound token; the inbound check is the
 * same for all three.
 */
export function botFrameworkAuthenticationOptions(
  settings: BotIdentitySettings,
): ConfigurationBotFrameworkAuthenticationOptions {
  checkSettings(settings);
  return {
    MicrosoftAppId: settings.botId,
    MicrosoftAppType: settings.botType ?? 'MultiTenant',
    ...(settings.botTenantId ? { MicrosoftAppTenantId: settings.botTenantId } : {}),
    ValidateAuthority: true,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: channelTokenIssuer,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl:
      settings.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}

type BearerToken = { ok: true; token: string } | { ok: false; reason: InboundAuthRejection };

function readBearerToken(authHeader: string | undefined): BearerToken {
  if (!authHeader?.trim()) return { ok: false, reason: 'missing-authorization' };
  // The same shape the library requires: exactly "Bearer <token>".
  const parts = authHeader.split(' ');
  if (parts.length !== 2 || parts[0] !== 'Bearer' || !parts[1]) return { ok: false, reason: 'not-bearer' };
  return { ok: true, token: parts[1] };
}

/** Only to route and to name the failure in logs; the library verifies the issuer again. */
function unverifiedIssuer(token: string): string | undefined {
  const segments = token.split('.');
  if (segments.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(segments[1], 'base64url').toString('utf8'));
    const iss = typeof payload === 'object' && payload !== null ? (payload as { iss?: unknown }).iss : undefined;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 300);
}

export function createInboundAuthenticator(settings: BotIdentitySettings): InboundAuthenticator {
  checkSettings(settings);
  const metadataUrl = settings.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl;
  const credentials = new SimpleCredentialProvider(settings.botId, '');

  const validateChannelToken = (authHeader: string, channelId: string, serviceUrl: string): Promise<ClaimsIdentity> => {
    // ChannelValidation takes its metadata URL from a module-wide setting, read synchronously before
    // its first await: set it for this call only, so authenticators with different URLs (tests) never
    // see each other's. Keys stay in the library's per-URL cache, which the adapter shares.
    const previous = ChannelValidation.OpenIdMetadataEndpoint;
    ChannelValidation.OpenIdMetadataEndpoint = metadataUrl;
    try {
      // An empty channelId skips the endorsement check: the library's meaning of "not bound to an activity".
      return serviceUrl
        ? ChannelValidation.authenticateChannelTokenWithServiceUrl(authHeader, credentials, serviceUrl, channelId)
        : ChannelValidation.authenticateChannelToken(authHeader, credentials, channelId);
    } finally {
      ChannelValidation.OpenIdMetadataEndpoint = previous;
    }
  };

  return {
    async authenticate(authHeader, activity = {}) {
      const bearer = readBearerToken(authHeader);
      if (!bearer.ok) return bearer;
      const issuer = unverifiedIssuer(bearer.token);
      if (issuer === undefined) return { ok: false, reason: 'malformed-token' };
      if (issuer !== channelTokenIssuer) return { ok: false, reason: 'not-a-channel-token' };
      const channelId = activity.channelId ?? '';
      if (channelId.toLowerCase() === aseChannelId) return { ok: false, reason: 'unsupported-channel' };

      try {
        const identity = await validateChannelToken(`Bearer ${bearer.token}`, channelId, activity.serviceUrl ?? '');
        // What JwtTokenValidation does without a claims validator: bot-to-bot (skill) tokens are refused.
        if (SkillValidation.isSkillClaim(identity.claims)) {
          return { ok: false, reason: 'invalid-token', detail: 'skill claims are not accepted' };
        }
        return { ok: true, claims: Object.fromEntries(identity.claims.map((claim) => [claim.type, claim.value])) };
      } catch (err) {
        return { ok: false, reason: 'invalid-token', detail: describeError(err) };
      }
    },
  };
}
