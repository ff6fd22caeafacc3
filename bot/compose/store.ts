import type { Config } from '../../src/config';
import { isLoopbackHost } from '../../src/domain/loopback';
import type { Logger } from '../../src/log';
import { openStore, Store } from '../../src/adapters/cosmos/cosmosStore';
import { cosmosStores } from '../../src/adapters/cosmos/cosmosStores';
import type { StorePorts } from '../../src/usecases/ports';
import type { Closers } from './closers';

/** Where the bot keeps its state: the store ports, and whether the store answers. */
export interface Persistence {
  readonly stores: StorePorts;
  ping(): Promise<boolean>;
  readonly kind: 'cosmos' | 'embedded' | 'memory';
  /** The Cosmos DB connection, when there is one. */
  readonly store?: Store;
}

/** Azure Cosmos DB when configured; otherwise (local mode) the embedded Cosmos-protocol server, loaded only then. */
export async function composeStore(config: Config, logger: Logger, closers: Closers): Promise<Persistence> {
  let store: Store;
  if (config.cosmos) {
    const credential = config.cosmos.key === undefined ? await managedIdentity(config.cosmos.managedIdentityClientId) : undefined;
    // A loopback endpoint (the Cosmos DB emulator, a local protocol server) has no regions to discover.
    const loopback = isLoopbackHost(new URL(config.cosmos.endpoint).hostname);
    store = await openStore({ endpoint: config.cosmos.endpoint, key: config.cosmos.key, credential, database: config.cosmos.database, local: loopback, requestTimeoutMs: config.timings.storeTimeoutMs });
    logger.info({ event: 'store.ready', endpoint: config.cosmos.endpoint, database: config.cosmos.database }, 'using Azure Cosmos DB');
  } else {
    const { startEmbeddedCosmos } = await import('../../src/local/embeddedCosmos');
    const embedded = await startEmbeddedCosmos('127.0.0.1', 0, (reason) =>
      logger.warn({ event: 'store.embedded.refused', reason }, 'the embedded Cosmos-protocol server refused a request that the bot would not send'),
    );
    closers.push(() => embedded.close());
    store = await openStore({ endpoint: embedded.endpoint, key: embedded.key, database: config.cosmosDatabase, local: true, requestTimeoutMs: config.timings.storeTimeoutMs });
    logger.warn({ event: 'store.embedded', endpoint: embedded.endpoint }, 'using the embedded in-memory Cosmos-protocol server: data is lost when the process stops');
  }
  closers.push(() => store.dispose());
  return { store, stores: cosmosStores(store), ping: () => store.ping(), kind: config.cosmos ? 'cosmos' : 'embedded' };
}

async function managedIdentity(clientId: string | undefined) {
  const { ManagedIdentityCredential } = await import('@azure/identity');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}
