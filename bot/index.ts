import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { composeBot } from './compose';

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
