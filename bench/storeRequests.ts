import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Counts the requests a Cosmos-protocol server in this process answers, at the server: Node
 * announces every answered HTTP request on the `http.server.response.finish` diagnostics channel,
 * and the ones whose local port is the store's are the store's. Nothing of the bot or of the
 * server is changed or wrapped, so the bot under test and the floor bot are counted the same way.
 *
 * Each request is also filed under what it was (method, operation, resource path with the ids
 * replaced by `*`, status), so a turn's store traffic can be read request by request.
 */
export interface StoreRequestCounts {
  readonly total: number;
  /** e.g. `GET read dbs/*\/colls/tenants/docs/* → 200`: count. */
  readonly byKind: Readonly<Record<string, number>>;
}

export interface StoreRequestCounter {
  /** Counting starts once the port is known (the embedded server picks a free port). */
  watchPort(port: number): void;
  snapshot(): StoreRequestCounts;
}

/** What the request did, in Cosmos DB REST terms (headers the SDK sets for each operation). */
function operationOf(req: IncomingMessage, resource: string): string {
  const header = (name: string) => String(req.headers[name] ?? '').toLowerCase();
  const onDocument = /\/docs\/[^/]+$/.test(resource);
  switch (req.method) {
    case 'GET':
      return onDocument ? 'read' : resource.endsWith('/docs') ? 'feed' : 'read';
    case 'POST': {
      // The SDK asks for a query plan first unless it can tell the query is single-partition and simple.
      if (header('x-ms-cosmos-is-query-plan-request') === 'true') return 'query-plan';
      const partition = req.headers['x-ms-documentdb-partitionkey'] !== undefined ? '1 partition' : 'cross-partition';
      if (header('x-ms-documentdb-isquery') === 'true' || String(req.headers['content-type'] ?? '').includes('query+json')) return `query (${partition})`;
      return header('x-ms-documentdb-is-upsert') === 'true' ? 'upsert' : 'create';
    }
    case 'PUT':
      return req.headers['if-match'] ? 'replace if-match' : 'replace';
    case 'PATCH':
      return req.headers['if-match'] ? 'patch if-match' : 'patch';
    case 'DELETE':
      return req.headers['if-match'] ? 'delete if-match' : 'delete';
    default:
      return String(req.method).toLowerCase();
  }
}

/** `/dbs/tenant-access/colls/tenants/docs/6f1c…` → `dbs/*\/colls/tenants/docs/*`: container names stay, ids go. */
export function resourcePattern(url: string): string {
  const parts = decodeURIComponent(url.split('?')[0]).split('/').filter((p) => p !== '');
  return parts.map((part, i) => (i % 2 === 0 || parts[i - 1] === 'colls' ? part : '*')).join('/') || '(account)';
}

export function countStoreRequests(): StoreRequestCounter {
  let port: number | undefined;
  let total = 0;
  const byKind = new Map<string, number>();
  subscribe('http.server.response.finish', (message) => {
    const { request, response, socket } = message as { request: IncomingMessage; response: ServerResponse; socket: Socket };
    if (port === undefined || socket.localPort !== port) return;
    total += 1;
    const resource = resourcePattern(request.url ?? '/');
    const kind = `${request.method} ${operationOf(request, resource)} ${resource} → ${response.statusCode}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  });
  return {
    watchPort(p) {
      port = p;
    },
    snapshot: () => ({ total, byKind: Object.fromEntries(byKind) }),
  };
}

/** The counts between two snapshots. */
export function countsBetween(before: StoreRequestCounts, after: StoreRequestCounts): StoreRequestCounts {
  const byKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after.byKind)) {
    const d = n - (before.byKind[kind] ?? 0);
    if (d > 0) byKind[kind] = d;
  }
  return { total: after.total - before.total, byKind };
}
