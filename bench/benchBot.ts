import type { Request, Response } from 'restify';
import { composeBot, RunningBot } from '../bot/compose';
import { InboundAuthenticator, requireBotFrameworkAuth } from '../bot/web/inboundAuth';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { personalMessage } from './benchActivity';
import { CountingConnectorService, startCountingConnectorService } from './countingConnectorService';
import { countingStderr, CountingStderr } from './logCounter';

export const TENANT_DOMAIN = 'contoso.onmicrosoft.com';
export const ADMIN_EMAIL = 'admin@contoso.onmicrosoft.com';
export const ECHO_PATH = '/bench/echo';
export const STATUS_TEXT = `status ${TENANT_DOMAIN}`;

/** The real bot in local mode with an echo route beside it, a connector stand-in, and one seeded tenant. */
export interface BenchBot {
  readonly bot: RunningBot;
  readonly connector: CountingConnectorService;
  readonly logs: CountingStderr;
  readonly statusUrl: string;
  readonly echoUrl: string;
  /** The activity both routes receive on every request. */
  readonly body: string;
  close(): Promise<void>;
}

/** Local mode accepts every request; the same stand-in as the composition root's, so both routes pay for it. */
const acceptEverything: InboundAuthenticator = { authenticate: async () => ({ ok: true, claims: {} }) };

/**
 * The baseline: the same HTTP edge as /api/messages (bounded body read, inbound auth, 401/400/413
 * handling) and the same adapter, with a turn that only echoes. restify accepts routes after listen.
 */
function addEchoRoute(bot: RunningBot): void {
  bot.server.post(
    ECHO_PATH,
    requireBotFrameworkAuth(
      acceptEverything,
      (req: Request, res: Response) =>
        bot.adapter.process(req, res, async (context) => {
          await context.sendActivity(context.activity.text);
        }),
      { logger: bot.services.logger, newCorrelationId: () => bot.services.random.correlationId() },
    ),
  );
}

/** One request through a route; the turn has replied by the time the HTTP answer arrives. */
export async function exchange(url: string, connector: CountingConnectorService, text: string): Promise<{ status: number; reply: string }> {
  const before = connector.count();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(personalMessage(connector.serviceUrl, text)) });
  await response.arrayBuffer();
  return { status: response.status, reply: connector.count() > before ? connector.lastBody() ?? '' : '' };
}

/** Seeds one customer tenant with an invitation the way staff would, then proves both routes answer as meant. */
async function prepare(bench: Omit<BenchBot, 'close'>): Promise<string[]> {
  const { connector, statusUrl, echoUrl } = bench;
  const problems: string[] = [];
  const invite = await exchange(statusUrl, connector, `invite ${TENANT_DOMAIN} ${ADMIN_EMAIL}`);
  if (invite.status !== 200 || !invite.reply.includes(ADMIN_EMAIL)) problems.push(`seeding: invite answered ${invite.status} with ${invite.reply.slice(0, 300) || 'no reply'}`);

  const status = await exchange(statusUrl, connector, STATUS_TEXT);
  if (status.status !== 200 || !status.reply.includes(TENANT_DOMAIN) || !status.reply.includes(ADMIN_EMAIL) || /Unknown tenant|Something went wrong/.test(status.reply)) {
    problems.push(`status reply is not the tenant card: ${status.status} ${status.reply.slice(0, 300) || 'no reply'}`);
  }
  const echo = await exchange(echoUrl, connector, STATUS_TEXT);
  if (echo.status !== 200 || !echo.reply.includes(`"text":"${STATUS_TEXT}"`)) problems.push(`echo reply is not the text: ${echo.status} ${echo.reply.slice(0, 300) || 'no reply'}`);
  return problems;
}

export async function startBenchBot(): Promise<BenchBot> {
  const loaded = loadConfig({ LOG_LEVEL: 'warn' });
  if (!loaded.ok) throw new Error(`config: ${loaded.errors.join('; ')}`);
  // loadConfig refuses PORT=0 ("between 1 and 65535"); an ephemeral port is what a benchmark needs.
  const config = { ...loaded.config, port: 0 };
  const logs = countingStderr();
  const connector = await startCountingConnectorService();
  let bot: RunningBot | undefined;
  try {
    bot = await composeBot({ config, logger: createLogger(config.logLevel, logs) });
    addEchoRoute(bot);
    const running = bot;
    const bench = {
      bot: running,
      connector,
      logs,
      statusUrl: `${running.url}/api/messages`,
      echoUrl: `${running.url}${ECHO_PATH}`,
      body: JSON.stringify(personalMessage(connector.serviceUrl, STATUS_TEXT)),
    };
    const problems = await prepare(bench);
    if (problems.length > 0) throw new Error(`the bot does not answer as the benchmark expects:\n  ${problems.join('\n  ')}`);
    return {
      ...bench,
      async close() {
        await running.close();
        await connector.close();
      },
    };
  } catch (error) {
    await bot?.close().catch(() => undefined);
    await connector.close().catch(() => undefined);
    throw error;
  }
}
