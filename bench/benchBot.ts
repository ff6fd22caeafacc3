import type { Request, Response } from 'restify';
import { composeBot, RunningBot } from '../bot/compose';
import { InboundAuthenticator, requireBotFrameworkAuth } from '../bot/web/inboundAuth';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { personalMessage } from './benchActivity';
import { CountingConnectorService, startCountingConnectorService } from './countingConnectorService';
import { ECHO_PATH, seedAndCheck, STATUS_TEXT } from './seeding';
import { countingStderr, CountingStderr } from './logCounter';

export { ADMIN_EMAIL, ECHO_PATH, exchange, STATUS_TEXT, TENANT_DOMAIN } from './seeding';

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

/**
 * The real bot as `npm start` composes it in local mode (embedded Cosmos server in this process,
 * inbound auth off), on a free port, with the echo route beside /api/messages. Logs go to `logs`.
 */
export async function composeBenchBot(logs: { write(line: string): void }): Promise<RunningBot> {
  const loaded = loadConfig({ LOG_LEVEL: 'warn' });
  if (!loaded.ok) throw new Error(`config: ${loaded.errors.join('; ')}`);
  // loadConfig refuses PORT=0 ("between 1 and 65535"); an ephemeral port is what a benchmark needs.
  const config = { ...loaded.config, port: 0 };
  const bot = await composeBot({ config, logger: createLogger(config.logLevel, logs) });
  addEchoRoute(bot);
  return bot;
}

/** The bench bot, its connector stand-in and the seeded tenant, all in this process (bench/statusBreakdown). */
export async function startBenchBot(): Promise<BenchBot> {
  const logs = countingStderr();
  const connector = await startCountingConnectorService();
  let bot: RunningBot | undefined;
  try {
    bot = await composeBenchBot(logs);
    const running = bot;
    const bench = {
      bot: running,
      connector,
      logs,
      statusUrl: `${running.url}/api/messages`,
      echoUrl: `${running.url}${ECHO_PATH}`,
      body: JSON.stringify(personalMessage(connector.serviceUrl, STATUS_TEXT)),
    };
    const problems = await seedAndCheck(bench.statusUrl, bench.echoUrl, connector);
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
