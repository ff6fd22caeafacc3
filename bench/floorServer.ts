import type { CloudAdapter, TurnContext } from 'botbuilder';
import restify from 'restify';
import type { AddressInfo } from 'node:net';
import { serveBotProbe } from './botProcess';
import type { FloorStore } from './floorStore';

/**
 * The floor bots' HTTP edge: restify with its body parser, /api/messages into the adapter, and the
 * bench's probe over IPC. A failed turn is counted (the driver refuses a run that had any).
 */
export async function serveFloorBot(name: string, store: FloorStore, adapter: CloudAdapter, turn: (context: TurnContext) => Promise<void>): Promise<void> {
  let turnErrors = 0;
  adapter.onTurnError = async (_context, error) => {
    turnErrors += 1;
    process.stderr.write(`${name}: turn failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  };
  const server = restify.createServer({ name });
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    await adapter.process(req, res, turn);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  serveBotProbe(
    { inflight: () => server.inflightRequests(), loggedErrors: () => turnErrors, storeRequests: () => store.storeRequests() },
    { statusUrl: `http://127.0.0.1:${port}/api/messages`, storeEndpoint: store.endpoint },
    async () => {
      server.close();
      await store.close();
    },
  );
}
