import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Request, Response } from 'restify';
import { CallerIdConstants, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
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

export type BotType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMsi';

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

/** Constant bodies: nothing about why a request failed ever reaches the caller. */
export const unauthorizedBody = '{"error":"unauthorized"}';
export const badRequestBody = '{"error":"bad-request"}';
export const payloadTooLargeBody = '{"error":"payload-too-large"}';
export const internalErrorBody = '{"error":"internal-error"}';

/** The minimum the adapter needs to route and answer an activity; Bot Framework always sends these. */
export interface InboundActivity extends Record<string, unknown> {
  type: string;
  channelId: string;
  serviceUrl: string;
}

export interface AuthenticatedRequest {
  correlationId: string;
  claims: Readonly<Record<string, unknown>>;
  activity: InboundActivity;
}

export type AuthenticatedHandler = (req: Request, res: Response, inbound: AuthenticatedRequest) => Promise<void>;

export interface RequireBotFrameworkAuthOptions {
  logger: Pick<Logger, 'warn' | 'error'>;
  newCorrelationId?: () => string;
  /** Bot Framework activities are small; this only bounds what an unauthenticated caller can make us hold. */
  maxBodyBytes?: number;
}

type BodyRead =
  | { kind: 'activity'; activity: InboundActivity }
  | { kind: 'not-an-activity' }
  | { kind: 'too-large' };

/** Bot Framework activities are a few KB; Teams caps messages at about 100 KB. */
const defaultMaxBodyBytes = 256 * 1024;

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function asActivity(value: unknown): BodyRead {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'not-an-activity' };
  const candidate = value as Record<string, unknown>;
  if (!nonEmptyString(candidate.type) || !nonEmptyString(candidate.channelId) || !nonEmptyString(candidate.serviceUrl)) {
    return { kind: 'not-an-activity' };
  }
  return { kind: 'activity', activity: candidate as InboundActivity };
}

function parseActivity(text: string): BodyRead {
  try {
    return asActivity(JSON.parse(text));
  } catch {
    return { kind: 'not-an-activity' };
  }
}

function readRawBody(req: IncomingMessage, maxBytes: number): Promise<{ ok: true; text: string } | { ok: false; tooLarge: boolean }> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, tooLarge: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: { ok: true; text: string } | { ok: false; tooLarge: boolean }) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        settle({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => settle({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => settle({ ok: false, tooLarge: false }));
    req.on('close', () => settle({ ok: false, tooLarge: false }));
  });
}

async function readActivity(req: Request, maxBytes: number): Promise<BodyRead> {
  // A body parser mounted before us (restify.plugins.bodyParser) has already consumed the stream.
  if (req.body !== undefined) {
    if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) return parseActivity(req.body.toString());
    return asActivity(req.body);
  }
  const raw = await readRawBody(req, maxBytes);
  if (raw.ok) return parseActivity(raw.text);
  return raw.tooLarge ? { kind: 'too-large' } : { kind: 'not-an-activity' };
}

function answer(res: Response, status: number, body: string, headers: Record<string, string> = {}): void {
  // sendRaw skips restify's content negotiation, so the body is these exact bytes whatever the Accept header.
  res.sendRaw(status, body, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
}

/**
 * Restify handler for POST /api/messages. The token in the header is checked first, before a byte of
 * the body is read: an unauthenticated caller can make us hold nothing. Then the body is read
 * (bounded) and the token is checked again bound to that activity (its serviceUrl and channel), and
 * only then the handler runs. Do not mount `restify.plugins.bodyParser()` in front of it: the parser
 * would read (and answer) bodies before authentication.
 */
export function requireBotFrameworkAuth(
  authenticator: InboundAuthenticator,
  next: AuthenticatedHandler,
  options: RequireBotFrameworkAuthOptions,
): (req: Request, res: Response) => Promise<void> {
  const { logger } = options;
  const newCorrelationId = options.newCorrelationId ?? randomUUID;
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;

  // restify runs a two-argument handler only if it is a real async function, and routes a rejection
  // to its own error responder (which would echo the message): this one never rejects.
  return async function botFrameworkAuthenticated(req: Request, res: Response): Promise<void> {
    const correlationId = newCorrelationId();
    const refuse = (auth: Extract<InboundAuthResult, { ok: false }>) => {
      logger.warn({ correlationId, reason: auth.reason, detail: auth.detail }, 'inbound request refused: not authenticated');
      // The unread body is not drained: the connection closes with the answer.
      return answer(res, 401, unauthorizedBody, { 'WWW-Authenticate': 'Bearer', Connection: 'close' });
    };
    try {
      const unbound = await authenticator.authenticate(req.headers.authorization);
      if (!unbound.ok) return refuse(unbound);
      const body = await readActivity(req, maxBodyBytes);
      // The token is bound to the activity it came with: its serviceUrl and channel are checked now.
      const auth = body.kind === 'activity' ? await authenticator.authenticate(req.headers.authorization, body.activity) : unbound;
      if (!auth.ok) return refuse(auth);
      if (body.kind === 'too-large') {
        logger.warn({ correlationId, reason: 'payload-too-large', maxBodyBytes }, 'inbound request refused');
        return answer(res, 413, payloadTooLargeBody, { Connection: 'close' });
      }
      if (body.kind === 'not-an-activity') {
        logger.warn({ correlationId, reason: 'not-an-activity' }, 'inbound request refused');
        return answer(res, 400, badRequestBody);
      }
      // CloudAdapter.process reads the parsed activity from req.body.
      req.body = body.activity;
      await next(req, res, { correlationId, claims: auth.claims, activity: body.activity });
    } catch (err) {
      logger.error({ correlationId, err }, 'inbound request failed');
      if (!res.headersSent) answer(res, 500, internalErrorBody);
    }
  };
}
