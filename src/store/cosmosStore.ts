import { Container, CosmosClient, Database } from '@azure/cosmos';
import type { TokenCredential } from '@azure/core-auth';
import type { Agent } from 'node:http';

/** Containers and their partition keys (DESIGN.md §4). Created when missing. */
export const CONTAINERS = {
  tenants: '/tenantId',
  /** domain → tenant id, so `status <domain>` is a point read, not a query. */
  tenantDomains: '/id',
  invitations: '/tenantId',
  /** One document per tenant and admin email: the invitation pending for them. */
  invitationGuards: '/tenantId',
  tokenCaches: '/tenantId',
  conversations: '/id',
  staff: '/id',
  audit: '/tenantId',
  outbox: '/conversationId',
  leases: '/id',
} as const;

export type ContainerName = keyof typeof CONTAINERS;
export type Containers = Record<ContainerName, Container>;

export interface CosmosConnection {
  readonly endpoint: string;
  readonly key?: string;
  readonly credential?: TokenCredential;
  readonly database: string;
  /** For the embedded server: plain HTTP on loopback, no region discovery. */
  readonly local?: boolean;
  readonly agent?: Agent;
  /** The SDK's deadline for one request (it retries within its own policy). */
  readonly requestTimeoutMs?: number;
}

export interface Store {
  readonly client: CosmosClient;
  readonly database: Database;
  readonly containers: Containers;
  /** True when a cheap read of the database succeeds. */
  ping(): Promise<boolean>;
  dispose(): void;
}

export async function openStore(conn: CosmosConnection): Promise<Store> {
  const client = new CosmosClient({
    endpoint: conn.endpoint,
    key: conn.key,
    aadCredentials: conn.key === undefined ? conn.credential : undefined,
    agent: conn.agent,
    connectionPolicy: { ...(conn.local ? { enableEndpointDiscovery: false } : {}), ...(conn.requestTimeoutMs ? { requestTimeout: conn.requestTimeoutMs } : {}) },
    userAgentSuffix: 'tenant-access',
  });
  const { database } = await client.databases.createIfNotExists({ id: conn.database });
  const entries = await Promise.all(
    (Object.keys(CONTAINERS) as ContainerName[]).map(async (name) => {
      const { container } = await database.containers.createIfNotExists({
        id: name,
        partitionKey: { paths: [CONTAINERS[name]] },
      });
      return [name, container] as const;
    }),
  );
  const containers = Object.fromEntries(entries) as Containers;
  return {
    client,
    database,
    containers,
    async ping() {
      try {
        await database.read();
        return true;
      } catch {
        return false;
      }
    },
    dispose: () => client.dispose(),
  };
}
