import restify, { Request, Response, Server } from 'restify';
import type { Logger } from '../src/log';
import { AuthenticatedHandler, InboundAuthenticator, requireBotFrameworkAuth } from './inboundAuth';

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
}

/**
 * The HTTP edge: `/api/messages` behind Bot Framework authentication, health and readiness probes,
 * and whatever routes the composition root adds. No body parser: the activity route reads its own
 * body after the token is checked, so a bad body never gets an answer before authentication.
 */
export function createServer(options: ServerOptions): Server {
  const server = restify.createServer({ name: 'tenant-access', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  server.post('/api/messages', requireBotFrameworkAuth(options.inbound, options.onActivity, { logger: options.logger, newCorrelationId: options.newCorrelationId }));

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.json(200, { status: 'alive' });
  });
  server.get('/readyz', async (_req: Request, res: Response) => {
    const ready = await options.isReady().catch(() => false);
    res.json(ready ? 200 : 503, { status: ready ? 'ready' : 'store unreachable' });
  });

  for (const route of options.routes ?? []) {
    server[route.method](route.path, async (req: Request, res: Response) => {
      try {
        await route.handler(req, res);
      } catch (error) {
        const correlationId = options.newCorrelationId();
        options.logger.error({ event: 'route.error', correlationId, path: route.path, err: error }, 'route failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
          res.end(`Something went wrong on our side. Reference: ${correlationId}`);
        }
      }
    });
  }
  return server;
}
