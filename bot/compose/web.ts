import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Server } from 'restify';
import type { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { Clock } from '../../src/clock';
import type { Config } from '../../src/config';
import { withDeadline } from '../../src/deadline';
import type { Logger } from '../../src/log';
import type { Random } from '../../src/random';
import type { SignIn } from '../../src/usecases/signIn/signIn';
import type { CustomerViewSettings } from '../presentation/customerView';
import { createClientRateLimit } from '../web/clientRateLimit';
import { invitePageRoutes } from '../web/customerPages/routes';
import { createInboundAuthenticator, InboundAuthenticator } from '../web/inboundAuth';
import { createServer } from '../web/server';
import type { Closers } from './closers';
import type { TeamsApp } from './teams';

/** Local mode accepts every request: the server is bound to loopback and says so at start. */
const localInbound: InboundAuthenticator = { authenticate: async () => ({ ok: true, claims: {} }) };

export interface WebParts {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: Random;
  readonly isStoreReady: () => Promise<boolean>;
  readonly adapter: TeamsAdapter;
  readonly app: TeamsApp;
  readonly signIn: SignIn;
  readonly customerView: CustomerViewSettings;
  readonly openIdMetadataUrl?: string;
  /** PORT=0: the port taken for this server before composing (its links name it); listened on as it is. */
  readonly reservedPort?: NetServer;
}

/** The HTTP edge, listening: /api/messages behind inbound auth, health, and the customer pages. */
export async function startWeb(parts: WebParts, closers: Closers): Promise<{ server: Server; url: string }> {
  const { config, logger, adapter, app, openIdMetadataUrl } = parts;
  const inbound = config.bot ? createInboundAuthenticator({ botId: config.bot.id, botType: config.bot.type, botTenantId: config.bot.tenantId, openIdMetadataUrl }) : localInbound;
  if (config.bot) {
    logger.info(
      { event: 'inbound.auth.on', botId: config.bot.id, botType: config.bot.type, openIdMetadataUrl, loginUrl: config.bot.loginUrl },
      `inbound authentication is on: channel tokens are checked against ${openIdMetadataUrl}; the bot's own token comes from ${config.bot.loginUrl}`,
    );
  } else logger.warn({ event: 'inbound.auth.off' }, 'BOT_ID is not set: inbound authentication is OFF (local mode, loopback only)');

  const server = createServer({
    logger,
    inbound,
    // One deadline per turn, passed down to every call the turn makes (src/deadline.ts).
    onActivity: async (req, res, request) => {
      // Staff identity (Entra object id and tenant) is only what Teams vouches for: other channels
      // (Web Chat, Direct Line) carry names anyone can type. Local mode serves the Playground as well.
      if (config.bot && request.activity.channelId.toLowerCase() !== 'msteams') {
        logger.warn({ event: 'inbound.channel-refused', correlationId: request.correlationId, channelId: request.activity.channelId.slice(0, 40) }, 'activity from a channel other than Teams refused');
        res.sendRaw(403, '{"error":"channel-not-supported"}', { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
        return;
      }
      await adapter.process(req, res, (context) =>
        withDeadline(context.activity.type === 'invoke' ? config.timings.invokeBudgetMs : config.timings.turnBudgetMs, 'turn', () => app.run(context)).then(() => undefined),
      );
    },
    isReady: () => withDeadline(config.timings.readyBudgetMs, 'readiness', () => parts.isStoreReady()).catch(() => false),
    pageBudgetMs: config.timings.pageBudgetMs,
    rateLimit: createClientRateLimit({ points: config.customerRateLimitPerMinute, windowSeconds: 60, trustedProxies: config.trustedProxies }),
    localOnly: !config.bot,
    headersTimeoutMs: config.timings.httpHeadersTimeoutMs,
    requestTimeoutMs: config.timings.httpRequestTimeoutMs,
    newCorrelationId: () => parts.random.correlationId(),
    routes: invitePageRoutes({ signIn: parts.signIn, clock: parts.clock, logger, settings: parts.customerView }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (parts.reservedPort) server.listen(parts.reservedPort, () => resolve());
    else server.listen(config.port, config.host, () => resolve());
  });
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ event: 'server.listening', url, localMode: config.localMode }, `listening on ${url}/api/messages`);
  return { server, url };
}
