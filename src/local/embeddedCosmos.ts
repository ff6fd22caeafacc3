import { createHttpServer } from '@vercel/cosmosdb-server';
import type { AddressInfo } from 'node:net';

export interface EmbeddedCosmos {
  readonly endpoint: string;
  /** The server accepts any key; the SDK insists on having one. */
  readonly key: string;
  close(): Promise<void>;
}

/**
 * An in-memory Cosmos-protocol server on loopback, for local mode and tests. Plain HTTP: its
 * bundled certificate expired long ago, and nothing leaves this machine.
 */
export async function startEmbeddedCosmos(host = '127.0.0.1', port = 0): Promise<EmbeddedCosmos> {
  // Without keepAlive the server answers `Connection: close` to every request: 3–6× slower.
  const server = createHttpServer({ keepAlive: true });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${address.port}`,
    key: Buffer.from('local-embedded-cosmos-key-not-a-secret').toString('base64'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
