import { createHttpServer } from '@vercel/cosmosdb-server';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { CosmosRefusal, guardCosmosServer } from './cosmosRequestGuard';

export interface EmbeddedCosmos {
  readonly endpoint: string;
  /** Made for this run: the server checks every request's signature against it. */
  readonly key: string;
  close(): Promise<void>;
}

/**
 * An in-memory Cosmos-protocol server on loopback, for local mode and tests. Plain HTTP: its
 * bundled certificate expired long ago, and nothing leaves this machine.
 */
export async function startEmbeddedCosmos(host = '127.0.0.1', port = 0, onRefused?: (reason: CosmosRefusal) => void): Promise<EmbeddedCosmos> {
  // Without keepAlive the server answers `Connection: close` to every request: 3–6× slower.
  const server = createHttpServer({ keepAlive: true });
  const key = randomBytes(32).toString('base64');
  guardCosmosServer(server, key, onRefused);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${address.port}`,
    key,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
