import { Container, CosmosClient, Database, type CosmosClientOptions, type PluginConfig } from '@azure/cosmos';
import { currentDeadline, DeadlineExceeded } from '../../deadline';
import type { TokenCredential } from '@azure/core-auth';
import type { Agent } from 'node:http';

/** Containers and their partition keys (DESIGN.md §4). Created when missing. */
export const CONTAINERS = {
  tenants: '/tenantId',
  /** domain → tenant id, so `status <domain>` is a point read, not a query. */
  tenantDomains: '/id',
  invitations: '/tenantId',
  /** Hashes of link tokens, consent states and reviewer tokens → their invitation (point reads). */
  links: '/id',
  /** One document per tenant and admin email: the invitation pending for them. */
  invitationGuards: '/tenantId',
  tokenCaches: '/tenantId',
  conversations: '/id',
  staff: '/id',
  audit: '/tenantId',
  outbox: '/conversationId',
  leases: '/id',
  /** The validation history (TTL on: each record says when it goes). */
  validations: '/tenantId',
  /** One document per sweep of every tenant (TTL on: 90 days). */
  sweeps: '/id',
} as const;

/**
 * Containers with TTL on: `-1` lets each document say when it expires (its `ttl`, in seconds).
 * Set when the container is created; an existing one keeps what it has.
 */
export const CONTAINER_DEFAULT_TTL: Partial<Record<keyof typeof CONTAINERS, number>> = { validations: -1, sweeps: -1 };

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

/**
 * Every request the SDK sends carries the caller's deadline (a turn, a page request): past it the
 * request is aborted and no new one starts, so the SDK's own retries never outlive the caller.
 */
const deadlinePlugin: PluginConfig = {
  on: 'request',
  plugin: async (context, _diagnostics, next) => {
    const deadline = currentDeadline();
    if (!deadline) return next(context);
    if (deadline.remainingMs() <= 0) throw new DeadlineExceeded(0, 'store request');
    const own = context.options?.abortSignal;
    context.options = { ...context.options, abortSignal: own ? AbortSignal.any([own, deadline.signal]) : deadline.signal };
    return next(context);
  },
};

export async function openStore(conn: CosmosConnection): Promise<Store> {
  const options: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint: conn.endpoint,
    key: conn.key,
    aadCredentials: conn.key === undefined ? conn.credential : undefined,
    agent: conn.agent,
    connectionPolicy: {
      ...(conn.local ? { enableEndpointDiscovery: false } : {}),
      ...(conn.requestTimeoutMs ? { requestTimeout: conn.requestTimeoutMs } : {}),
      // Throttling (429) is retried by the SDK alone, honouring Retry-After, and bounded; our own
      // retries are only for 412 (a conditional write that lost), so the two never stack.
      retryOptions: { maxRetryAttemptCount: 3, maxWaitTimeInSeconds: Math.max(1, Math.ceil((conn.requestTimeoutMs ?? 5_000) / 1000)) },
    },
    userAgentSuffix: 'tenant-access',
    plugins: [deadlinePlugin],
  };
  const client = new CosmosClient(options);
  const { database } = await client.databases.createIfNotExists({ id: conn.database });
  const entries = await Promise.all(
    (Object.keys(CONTAINERS) as ContainerName[]).map(async (name) => {
      const defaultTtl = CONTAINER_DEFAULT_TTL[name];
      const { container } = await database.containers.createIfNotExists({
        id: name,
        partitionKey: { paths: [CONTAINERS[name]] },
        ...(defaultTtl === undefined ? {} : { defaultTtl }),
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
