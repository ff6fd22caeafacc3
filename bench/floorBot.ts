/**
 * The I/O floor of a `status` turn, for bench/turns: the thinnest botbuilder bot that does the
 * store reads a status turn needs, in its own process as the bot under test is.
 *
 *   restify + bodyParser → CloudAdapter.process (inbound auth as local mode sets it: no app id, so
 *   the adapter checks no token) → two dependent point reads through @azure/cosmos (domain → tenant
 *   id, then the tenant) → one text reply to the connector (the activity's serviceUrl)
 *
 * The store is local mode's: the embedded Cosmos-protocol server (src/local/embeddedCosmos.ts,
 * keep-alive, every request's master-key signature checked) in this process, reached over loopback
 * with the SDK's endpoint discovery off, as openStore does for it. No teams-ai, no routing, no
 * staff check, no card, no logging per turn: what is left is the cost of a turn that reads twice.
 */
import { CosmosClient } from '@azure/cosmos';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import restify from 'restify';
import type { AddressInfo } from 'node:net';
import { startEmbeddedCosmos } from '../src/local/embeddedCosmos';
import { FLOOR_TENANT } from './benchActivity';
import { serveBotProbe } from './botProcess';
import { countStoreRequests } from './storeRequests';

async function main(): Promise<void> {
  const counter = countStoreRequests();
  const cosmos = await startEmbeddedCosmos('127.0.0.1', 0);
  counter.watchPort(Number(new URL(cosmos.endpoint).port));
  const client = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false, requestTimeout: 5_000 } });
  const { database } = await client.databases.createIfNotExists({ id: 'floor' });
  const { container: domains } = await database.containers.createIfNotExists({ id: 'domains', partitionKey: { paths: ['/id'] } });
  const { container: tenants } = await database.containers.createIfNotExists({ id: 'tenants', partitionKey: { paths: ['/tenantId'] } });
  await domains.items.upsert({ id: FLOOR_TENANT.domain, tenantId: FLOOR_TENANT.tenantId });
  await tenants.items.upsert({ id: FLOOR_TENANT.tenantId, tenantId: FLOOR_TENANT.tenantId, displayName: FLOOR_TENANT.displayName, status: FLOOR_TENANT.status });

  // No MicrosoftAppId: the adapter authenticates nothing, as the bot under test's adapter in local mode.
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  let turnErrors = 0;
  adapter.onTurnError = async (_context, error) => {
    turnErrors += 1;
    process.stderr.write(`floor bot: turn failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  };
  const turn = async (context: TurnContext) => {
    if (context.activity.type !== 'message') return;
    const domain = (context.activity.text ?? '').trim().split(/\s+/).pop() ?? '';
    const { resource: entry } = await domains.item(domain, domain).read<{ tenantId: string }>();
    const { resource: tenant } = entry ? await tenants.item(entry.tenantId, entry.tenantId).read<{ displayName: string; status: string }>() : { resource: undefined };
    await context.sendActivity(tenant ? `${tenant.displayName} (${domain}): ${tenant.status}` : `Unknown tenant ${domain}`);
  };

  const server = restify.createServer({ name: 'floor-bot' });
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    await adapter.process(req, res, turn);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  serveBotProbe(
    { inflight: () => server.inflightRequests(), loggedErrors: () => turnErrors, storeRequests: () => counter.snapshot() },
    { statusUrl: `http://127.0.0.1:${port}/api/messages`, storeEndpoint: cosmos.endpoint },
    async () => {
      server.close();
      client.dispose();
      await cosmos.close();
    },
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/floorBot failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
