/**
 * The I/O floor of a `status` turn, for bench/turns: the thinnest botbuilder bot that does the
 * store reads a status turn needs, in its own process as the bot under test is.
 *
 *   restify + bodyParser → CloudAdapter.process (inbound auth as local mode sets it: no app id, so
 *   the adapter checks no token) → two dependent point reads through @azure/cosmos (domain → tenant
 *   id, then the tenant; bench/floorStore.ts) → one text reply to the connector (the activity's
 *   serviceUrl)
 *
 * No teams-ai, no routing, no staff check, no card, no logging per turn: what is left is the cost of
 * a turn that reads twice.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { domainOf } from './benchActivity';
import { openFloorStore } from './floorStore';
import { serveFloorBot } from './floorServer';

async function main(): Promise<void> {
  const store = await openFloorStore();
  // No MicrosoftAppId: the adapter authenticates nothing, as the bot under test's adapter in local mode.
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  await serveFloorBot('floor-bot', store, adapter, async (context: TurnContext) => {
    if (context.activity.type !== 'message') return;
    const domain = domainOf(context.activity.text);
    const tenant = await store.readTenant(domain);
    await context.sendActivity(tenant ? `${tenant.displayName} (${domain}): ${tenant.status}` : `Unknown tenant ${domain}`);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/floorBot failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
