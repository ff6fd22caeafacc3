import { CosmosClient } from '@azure/cosmos';
import { startEmbeddedCosmos } from '../src/local/embeddedCosmos';
import { FLOOR_TENANT } from './benchActivity';
import { countStoreRequests, type StoreRequestCounts } from './storeRequests';

export interface FloorTenant {
  readonly displayName: string;
  readonly status: string;
}

/** The floor bots' store: what a status turn must read, and nothing else. */
export interface FloorStore {
  readonly endpoint: string;
  /** The two dependent point reads of a status turn: domain → tenant id, then the tenant. */
  readTenant(domain: string): Promise<FloorTenant | undefined>;
  storeRequests(): StoreRequestCounts;
  close(): Promise<void>;
}

/**
 * Local mode's store, as the bot under test has it: the embedded Cosmos-protocol server
 * (src/local/embeddedCosmos.ts, keep-alive, every request's master-key signature checked) in this
 * process, reached over loopback through @azure/cosmos with endpoint discovery off, as openStore
 * does for it. Seeded with the tenant the product is seeded with.
 */
export async function openFloorStore(): Promise<FloorStore> {
  const counter = countStoreRequests();
  const cosmos = await startEmbeddedCosmos('127.0.0.1', 0);
  counter.watchPort(Number(new URL(cosmos.endpoint).port));
  const client = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false, requestTimeout: 5_000 } });
  const { database } = await client.databases.createIfNotExists({ id: 'floor' });
  const { container: domains } = await database.containers.createIfNotExists({ id: 'domains', partitionKey: { paths: ['/id'] } });
  const { container: tenants } = await database.containers.createIfNotExists({ id: 'tenants', partitionKey: { paths: ['/tenantId'] } });
  await domains.items.upsert({ id: FLOOR_TENANT.domain, tenantId: FLOOR_TENANT.tenantId });
  await tenants.items.upsert({ id: FLOOR_TENANT.tenantId, tenantId: FLOOR_TENANT.tenantId, displayName: FLOOR_TENANT.displayName, status: FLOOR_TENANT.status });
  return {
    endpoint: cosmos.endpoint,
    async readTenant(domain) {
      const { resource: entry } = await domains.item(domain, domain).read<{ tenantId: string }>();
      if (!entry) return undefined;
      const { resource: tenant } = await tenants.item(entry.tenantId, entry.tenantId).read<FloorTenant>();
      return tenant;
    },
    storeRequests: () => counter.snapshot(),
    async close() {
      client.dispose();
      await cosmos.close();
    },
  };
}
