import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Request, Response } from 'restify';
import { defaultMaxBodyBytes, InboundActivity, readActivity } from './activityBody';
import type { InboundAuthenticator, InboundAuthResult } from './channelToken';

export * from './channelToken';
export type { InboundActivity } from './activityBody';

/** Constant bodies: nothing about why a request failed ever reaches the caller. */
export const unauthorizedBody = '{"error":"unauthorized"}';
export const badRequestBody = '{"error":"bad-request"}';
export const payloadTooLargeBody = '{"error":"payload-too-large"}';
export const internalErrorBody = '{"error":"internal-error"}';

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
