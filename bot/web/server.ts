import restify, { Request, Response, Server } from 'restify';
import type { Logger } from '../../src/log';
import { AuthenticatedHandler, InboundAuthenticator, requireBotFrameworkAuth } from './inboundAuth';
import { isLoopbackHostHeader } from '../../src/domain/loopback';
import { isOutOfTime, withDeadline } from '../../src/deadline';
import type { ClientRateLimit } from './clientRateLimit';

export interface Route {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly handler: (req: Request, res: Response) => Promise<void>;
}

export interface ServerOptions {
  readonly logger: Logger;
  readonly inbound: InboundAuthenticator;
  readonly onActivity: AuthenticatedHandler;
  readonly isReady: () => Promise<boolean>;
  readonly newCorrelationId: () => string;
  /** More pages and endpoints (the invitation page, callbacks). */
  readonly routes?: readonly Route[];
  /** Local mode (no inbound authentication): also refuse what a web page could send. */
  readonly localOnly?: boolean;
  /** How long a client may take to send its headers, and its whole request (Node's defaults: 60 s and 300 s). */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** The deadline of one request to the extra routes (customer pages); past it they answer 503. */
  readonly pageBudgetMs?: number;
  /** Per-client limits for the extra routes: over it, 429 with Retry-After. */
  readonly rateLimit?: ClientRateLimit;
}

/**
 * Without BOT_ID anything that reaches loopback could post activities, including a web page the
 * developer has open (a "simple" cross-site POST needs no CORS preflight) or a DNS-rebinding page.
 * Bot Framework clients (Teams, the Agents Playground) post JSON server to server: no Origin
 * header, a loopback Host. Anything else is refused.
 */
export function localRequestRefusal(req: Request): string | undefined {
  if (req.headers.origin !== undefined) return 'browser-origin';
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return 'not-json';
  if (!isLoopbackHostHeader(req.headers.host)) return 'not-loopback-host';
  return undefined;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Strict-Transport-Security': 'max-age=31536000',
};

/**
 * The HTTP edge: `/api/messages` behind Bot Framework authentication, health and readiness probes,
 * and whatever routes the composition root adds. No body parser: the activity route reads its own
 * body after the token is checked, so a bad body never gets an answer before authentication.
 */
export function createServer(options: ServerOptions): Server {
  const server = restify.createServer({ name: 'tenant-access', handleUncaughtExceptions: false });
  // A slow client must not hold a connection and its buffers for minutes.
  if (options.headersTimeoutMs) server.server.headersTimeout = options.headersTimeoutMs;
  if (options.requestTimeoutMs) server.server.requestTimeout = options.requestTimeoutMs;
  // Node enforces both timeouts on a timer (30 s by default, whatever the timeouts are); restify gives
  // no way to pass it at creation, and Node reads the property when the server starts listening.
  const shortest = Math.min(options.headersTimeoutMs ?? 30_000, options.requestTimeoutMs ?? 30_000);
  (server.server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.max(100, Math.min(5_000, Math.floor(shortest / 4)));
  // Every answer, restify's own 404/405/500 included, carries the baseline security headers; pages
  // add their Content-Security-Policy on top.
  server.pre((_req: Request, res: Response, next: () => void) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  const activities = requireBotFrameworkAuth(options.inbound, options.onActivity, { logger: options.logger, newCorrelationId: options.newCorrelationId });
  server.post('/api/messages', async (req: Request, res: Response) => {
    const refusal = options.localOnly ? localRequestRefusal(req) : undefined;
    if (refusal) {
      options.logger.warn({ event: 'inbound.local-refused', reason: refusal }, 'local mode refused a request that a Bot Framework client would not send');
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"error":"forbidden"}');
      return;
    }
    await activities(req, res);
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.json(200, { status: 'alive' });
  });
  server.get('/readyz', async (_req: Request, res: Response) => {
    const ready = await options.isReady().catch(() => false);
    res.json(ready ? 200 : 503, { status: ready ? 'ready' : 'store unreachable' });
  });

  for (const route of options.routes ?? []) {
    server[route.method](route.path, async (req: Request, res: Response) => {
      const admitted = options.rateLimit ? await options.rateLimit.admit(req) : { ok: true as const };
      if (!admitted.ok) {
        options.logger.warn({ event: 'route.rate-limited', path: route.path, client: admitted.client }, 'too many requests from one client');
        res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'retry-after': String(admitted.retryAfterSeconds) });
        res.end(`Too many requests. Try again in ${admitted.retryAfterSeconds} seconds.`);
        return;
      }
      try {
        await withDeadline(options.pageBudgetMs ?? 8_000, route.path, () => route.handler(req, res));
      } catch (error) {
        const correlationId = options.newCorrelationId();
        const outOfTime = isOutOfTime(error);
        options.logger.error({ event: outOfTime ? 'route.out-of-budget' : 'route.error', correlationId, path: route.path, err: error }, outOfTime ? 'route ran out of its budget' : 'route failed');
        if (!res.headersSent) {
          // A store that does not answer is worth retrying; anything else is ours and needs the reference.
          res.writeHead(outOfTime ? 503 : 500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...(outOfTime ? { 'retry-after': '5' } : {}) });
          res.end(outOfTime ? `This page is busy right now; try again in a few seconds. Reference: ${correlationId}` : `Something went wrong on our side. Reference: ${correlationId}`);
        }
      }
    });
  }
  return server;
}
