import { startEmbeddedCosmos, EmbeddedCosmos } from '../../src/local/embeddedCosmos';
import { openStore, Store } from '../../src/adapters/cosmos/cosmosStore';

export interface TestStore {
  readonly store: Store;
  readonly server: EmbeddedCosmos;
  close(): Promise<void>;
}

/** A fresh in-memory Cosmos-protocol server and a store on it, over a real socket. */
export async function startTestStore(database = 'test'): Promise<TestStore> {
  const server = await startEmbeddedCosmos();
  const store = await openStore({ endpoint: server.endpoint, key: server.key, database, local: true });
  return {
    store,
    server,
    async close() {
      store.dispose();
      await server.close();
    },
  };
}
