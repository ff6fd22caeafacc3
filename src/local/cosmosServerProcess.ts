/**
 * The in-memory Cosmos-protocol server as its own process, configured by environment variables only:
 *
 *   COSMOS_SERVER_HOST  127.0.0.1 (default) or localhost: loopback only
 *   COSMOS_SERVER_PORT  0 (default: a free port)
 *
 * Once it listens it writes one line to stdout,
 *   {"event":"cosmos-server.ready","endpoint":"http://127.0.0.1:PORT","key":"<base64 key>"}
 * and nothing else (the key is a fixed placeholder the server does not check). Logs go to stderr as pino JSON.
 * SIGTERM or SIGINT closes it (exit 0); the data is gone then.
 *
 *   ts-node --transpile-only src/local/cosmosServerProcess.ts
 *   node dist/src/local/cosmosServerProcess.js
 */
import pino from 'pino';
import { z } from 'zod';
import { startEmbeddedCosmos } from './embeddedCosmos';
import { loopbackHostVariable, parseEnvironment, portVariable, runStandalone } from './standaloneProcess';

// Not ::1: startEmbeddedCosmos writes the endpoint as http://<host>:<port>, which is no URL for an IPv6 address.
const COSMOS_HOSTS = ['127.0.0.1', 'localhost'] as const;

const CosmosServerEnvironment = z.object({
  COSMOS_SERVER_HOST: loopbackHostVariable('COSMOS_SERVER_HOST', COSMOS_HOSTS, '127.0.0.1'),
  COSMOS_SERVER_PORT: portVariable('COSMOS_SERVER_PORT'),
});

type CosmosServerSettings = z.infer<typeof CosmosServerEnvironment>;

async function startCosmosServer(settings: CosmosServerSettings) {
  const logger = pino({ base: { service: 'cosmos-server', pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  const cosmos = await startEmbeddedCosmos(settings.COSMOS_SERVER_HOST, settings.COSMOS_SERVER_PORT);
  logger.info({ event: 'cosmos-server.started', endpoint: cosmos.endpoint }, 'cosmos server listening');
  return {
    ready: { event: 'cosmos-server.ready', endpoint: cosmos.endpoint, key: cosmos.key },
    async stop() {
      logger.info({ event: 'cosmos-server.stopping' }, 'cosmos server stopping');
      await cosmos.close();
    },
  };
}

if (require.main === module) {
  void runStandalone({ name: 'cosmos server', environment: parseEnvironment(CosmosServerEnvironment, process.env), start: startCosmosServer });
}
