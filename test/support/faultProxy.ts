import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP proxy between the bot and a dependency that can be made sick on demand: `pass`,
 * `blackhole` (takes the request, never answers), `slow` (answers after `delayMs`), `refuse`
 * (stops listening: connections are refused), `throttle` (429 with or without Retry-After) and
 * `unavailable` (503). It counts what it saw, per mode.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'blackhole' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'refuse' }
  | { kind: 'throttle'; retryAfterMs?: number }
  | { kind: 'unavailable' };

export interface FaultProxy {
  readonly url: string;
  readonly seen: { requests: number };
  set(mode: FaultMode): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let mode: FaultMode = { kind: 'pass' };
  const seen = { requests: 0 };
  const sockets = new Set<Socket>();
  const held: ServerResponse[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.requests++;
      const body = Buffer.concat(chunks);
      const now = mode;
      switch (now.kind) {
        case 'pass':
          return forward(req, res, body);
        case 'blackhole':
          held.push(res);
          return;
        case 'slow':
          setTimeout(() => forward(req, res, body), now.delayMs).unref();
          return;
        case 'throttle': {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (now.retryAfterMs !== undefined) headers['x-ms-retry-after-ms'] = String(now.retryAfterMs);
          res.writeHead(429, headers);
          res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large' }));
          return;
        }
        case 'unavailable':
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'ServiceUnavailable', message: 'The service is unavailable' }));
          return;
        case 'refuse':
          res.destroy();
          return;
      }
    });
  };

  let server: Server | undefined;
  let port = 0;
  const listenOn = async (candidate: number) => {
    server = createServer(handler);
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(candidate, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  // While refusing, the port is free: one the kernel hands out to listen(0) could be taken by any
  // process meanwhile (two jest workers listen all the time), and listening again would fail.
  const listen = async () => {
    if (port !== 0) return listenOn(port);
    for (let attempt = 0; ; attempt++) {
      try {
        return await listenOn(portBelowEphemeralRange());
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
      }
    }
  };
  const stopListening = async () => {
    if (!server) return;
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async set(next) {
      const wasRefusing = mode.kind === 'refuse';
      mode = next;
      if (next.kind === 'refuse') await stopListening();
      else if (wasRefusing) await listen();
      // Leaving the black hole: what it held is dropped, as a dead peer's connections would be.
      if (next.kind !== 'blackhole') for (const res of held.splice(0)) res.destroy();
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      await stopListening();
    },
  };
}

/** Linux hands listen(0) ports from net.ipv4.ip_local_port_range (32768-60999 by default); one below it, at random. */
function portBelowEphemeralRange(): number {
  let lowest = 32_768;
  try {
    lowest = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || lowest;
  } catch {
    // Not Linux: the default range's start.
  }
  if (lowest <= 2_048) return 0; // An unusual range: the kernel chooses, as before.
  const from = Math.min(20_000, lowest - 1_000);
  return from + Math.floor(Math.random() * (lowest - from));
}
