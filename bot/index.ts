// First: loads restify without the DEP0111 warning of its unused spdy dependency (see the module).
import './preloadRestify';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { composeBot } from './compose';
import { format } from 'node:util';

/** `npm start`: validate the configuration, build the bot, listen; stop cleanly on a signal. */
async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`Tenant Access cannot start; fix the configuration:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  const { config } = loaded;
  const logger = createLogger(config.logLevel);
  // Libraries that write to the console (botframework-connector prints a stack trace for a bad token)
  // go through the log too: every line stays one JSON event, cut short, with no secrets in error texts.
  // Warn level: what libraries print this way is their own view of a failure we already handle and log.
  for (const level of ['error', 'warn'] as const) {
    console[level] = (...args: unknown[]) => logger.warn({ event: 'library.console', stream: level, text: format(...args).slice(0, 1_000) }, 'a library wrote to the console');
  }
  const bot = await composeBot({ config, logger });
  if (config.localMode) {
    // The log is JSON lines for machines; a person starting it for the first time gets this on stderr.
    const store = bot.storeKind === 'embedded' ? 'embedded in-memory Cosmos-protocol server (data is lost at exit)' : `Azure Cosmos DB at ${config.cosmos?.endpoint}`;
    const identity = bot.simulator
      ? `local identity simulator (not Microsoft Entra); simulated customer admins sign in at ${bot.simulator.url}/devicelogin`
      : `Microsoft Entra ID at ${bot.identityProvider.authorityHost}`;
    process.stderr.write(
      [
        '',
        `Tenant Access is running in local mode on ${bot.url}/api/messages (loopback only, inbound auth off).`,
        `Store: ${store}.`,
        `Identity: ${identity}.`,
        ...(bot.simulator && config.localCacheDir
          ? [`Its certificate authority is kept across restarts in ${config.localCacheDir} (LOCAL_CACHE_DIR); a browser warns about it until you trust local-ca.pem from there.`]
          : []),
        'Open Microsoft 365 Agents Playground in another terminal, from this directory:',
        `  TEAMSAPPTESTER_BROWSER=none BOT_ENDPOINT=${bot.url}/api/messages npx agentsplayground --port 56150 --disable-telemetry`,
        'then browse to http://localhost:56150 and type: help',
        '',
      ].join('\n') + '\n',
    );
    logger.info(
      { event: 'local.playground' },
      `Local mode. Open Microsoft 365 Agents Playground against the bot: ` +
        `TEAMSAPPTESTER_BROWSER=none BOT_ENDPOINT=${bot.url}/api/messages npx agentsplayground --port 56150 --disable-telemetry` +
        ` — then browse to http://localhost:56150`,
    );
  }
  const stop = (signal: string) => {
    logger.info({ event: 'shutdown', signal }, 'stopping');
    void bot.close().finally(() => process.exit(process.exitCode ?? 0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Tenant Access failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
