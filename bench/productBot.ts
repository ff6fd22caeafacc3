/**
 * The bot under test for bench/turns, in its own process: the product composed as `npm start`
 * composes it in local mode (composeBot; the embedded Cosmos-protocol server in this process, inbound
 * auth off), with the echo route beside /api/messages (bench/benchBot.ts). Started by bench/turns
 * through bench/botProcess.ts; it answers the driver over IPC only.
 *
 * Store requests are counted at the embedded server (bench/storeRequests.ts): its port is the one
 * the `store.embedded` start-up event names. The driver seeds the tenant over HTTP, as staff would.
 */
import { composeBenchBot, ECHO_PATH } from './benchBot';
import { serveBotProbe } from './botProcess';
import { countingStderr } from './logCounter';
import { countStoreRequests } from './storeRequests';

async function main(): Promise<void> {
  const store = countStoreRequests();
  const logs = countingStderr();
  let embeddedEndpoint: string | undefined;
  const sink = {
    write(line: string) {
      // One JSON event per line; only the start-up event that names the embedded server is read.
      if (embeddedEndpoint === undefined && line.includes('"store.embedded"')) {
        embeddedEndpoint = (JSON.parse(line) as { endpoint?: string }).endpoint;
      }
      logs.write(line);
    },
  };
  const bot = await composeBenchBot(sink);
  if (!embeddedEndpoint) {
    await bot.close();
    throw new Error('the bot did not log store.embedded with its endpoint: is it still in local mode with the embedded Cosmos server?');
  }
  store.watchPort(Number(new URL(embeddedEndpoint).port));
  serveBotProbe(
    { inflight: () => bot.server.inflightRequests(), loggedErrors: () => logs.errors(), storeRequests: () => store.snapshot() },
    { statusUrl: `${bot.url}/api/messages`, echoUrl: `${bot.url}${ECHO_PATH}`, storeEndpoint: embeddedEndpoint },
    () => bot.close(),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/productBot failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
