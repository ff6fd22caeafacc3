import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Bot Connector stand-in for benchmarks: answers like the connector (200 + `{ id }`) and counts
 * replies, keeping only the latest body. test/support's recording service keeps every request
 * parsed, which under load would grow the heap by the run's length and bill JSON parsing to
 * whichever path replies the most; here the cost per reply is one read of the body, whatever it is.
 */
export interface CountingConnectorService {
  /** Put this in the activity's `serviceUrl`. */
  readonly serviceUrl: string;
  /** Replies received so far. */
  count(): number;
  /** The body of the latest reply, as sent. */
  lastBody(): string | undefined;
  close(): Promise<void>;
}

export async function startCountingConnectorService(): Promise<CountingConnectorService> {
  let received = 0;
  let last: string | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received += 1;
      last = Buffer.concat(chunks).toString('utf8');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"id":"sent-${received}"}`);
    });
  });
  // The adapter's HTTP client keeps connections alive; match it so no run pays for reconnects.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A trailing slash, as Teams sends it.
  const serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    serviceUrl,
    count: () => received,
    lastBody: () => last,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
