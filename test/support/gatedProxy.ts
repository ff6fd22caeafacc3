import { createServer as createHttpServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A forwarding proxy on loopback that a test puts between the bot and one of its peers (the Cosmos
 * server, Microsoft Graph) to decide *when* things happen: hold the next matching request before it
 * reaches the peer, hold its answer after the peer has acted on it, answer it with a failure, or drop
 * every connection as a dead process would. Everything else passes through untouched.
 *
 *   const graph = await startGatedProxy({ tls: { certPem, keyPem }, upstreamCaPem });
 *   const gate = graph.holdRequest((r) => r.path.startsWith('/v1.0/organization'));
 *   …; await gate.reached; …; gate.release();
 */

export interface SeenRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly body: string;
}

export type RequestMatch = (request: SeenRequest) => boolean;

export interface Gate {
  /** Resolves with the request once it is being held. */
  readonly reached: Promise<SeenRequest>;
  /** Lets it go on (idempotent; also fine before it was reached). */
  release(): void;
}

export interface GatedProxyOptions {
  /** Where requests go; may be set later through `upstream` (before the first request). */
  readonly upstream?: string;
  /** Serve HTTPS with this certificate (e.g. a LocalCa's server certificate for 127.0.0.1). */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
  /** Trust this CA (only) when the upstream is HTTPS. */
  readonly upstreamCaPem?: string;
}

export interface GatedProxy {
  readonly url: string;
  upstream: string | undefined;
  /** Every request so far, oldest first. */
  readonly seen: SeenRequest[];
  /** The next matching request waits here before it is forwarded. */
  holdRequest(match: RequestMatch): Gate;
  /** The next matching request is forwarded (the peer acts on it) and its answer waits here. */
  holdResponse(match: RequestMatch): Gate;
  /** Matching requests are answered with `status` and never forwarded, until the returned function is called. */
  fail(match: RequestMatch, status: number, body?: unknown): () => void;
  /** Drops every connection and refuses new ones until `restore`: the peer is unreachable. */
  cut(): void;
  /** Forgets holds not reached yet and failures, and lets everything held go on (between tests). */
  reset(): void;
  restore(): void;
  close(): Promise<void>;
}

interface HoldRule {
  readonly match: RequestMatch;
  readonly when: 'request' | 'response';
  readonly arrived: (r: SeenRequest) => void;
  readonly released: Promise<void>;
  readonly release: () => void;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

export async function startGatedProxy(options: GatedProxyOptions = {}): Promise<GatedProxy> {
  const seen: SeenRequest[] = [];
  let holds: HoldRule[] = [];
  let failures: { match: RequestMatch; status: number; body: unknown }[] = [];
  let isCut = false;
  /** Every release function handed out, so `reset` can let held requests go. */
  const gates = new Set<() => void>();
  const sockets = new Set<Socket>();

  const gate = (match: RequestMatch, when: HoldRule['when']): Gate => {
    let arrived!: (r: SeenRequest) => void;
    let release!: () => void;
    const reached = new Promise<SeenRequest>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    holds.push({ match, when, arrived, released, release });
    gates.add(release);
    return { reached, release };
  };

  /** The first hold of this kind that matches, used up. */
  const takeHold = (r: SeenRequest, when: HoldRule['when']): HoldRule | undefined => {
    const rule = holds.find((h) => h.when === when && h.match(r));
    if (rule) holds = holds.filter((h) => h !== rule);
    return rule;
  };

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> => {
    const base = proxy.upstream;
    if (!base) return Promise.reject(new Error('the gated proxy has no upstream yet'));
    const target = new URL(incoming.url ?? '/', base);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers['content-length'] = String(body.length);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(target, { method: incoming.method, headers, ...(target.protocol === 'https:' && options.upstreamCaPem ? { ca: options.upstreamCaPem } : {}) }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
          resolve({ status: answer.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
        });
        answer.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const r: SeenRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', body: body.toString('utf8') };
    seen.push(r);

    const failure = failures.find((f) => f.match(r));
    if (failure) {
      const text = JSON.stringify(failure.body ?? { code: 'ServiceUnavailable', message: 'injected by the test' });
      response.writeHead(failure.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
      return;
    }
    const before = takeHold(r, 'request');
    if (before) {
      before.arrived(r);
      await before.released;
    }
    if (isCut) return void incoming.socket.destroy();
    const after = takeHold(r, 'response');
    let answer;
    try {
      answer = await forward(incoming, body);
    } catch {
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'BadGateway', message: 'upstream unreachable' }));
      return;
    }
    if (after) {
      after.arrived(r);
      await after.released;
    }
    if (isCut) return void incoming.socket.destroy();
    response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    response.end(answer.body);
  };

  const listener = (incoming: IncomingMessage, response: ServerResponse) => {
    handle(incoming, response).catch(() => response.destroy());
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    if (isCut) return void socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const proxy: GatedProxy = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    upstream: options.upstream,
    seen,
    holdRequest: (match) => gate(match, 'request'),
    holdResponse: (match) => gate(match, 'response'),
    fail(match, status, body) {
      const rule = { match, status, body };
      failures.push(rule);
      return () => {
        failures = failures.filter((f) => f !== rule);
      };
    },
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      isCut = false;
    },
    reset() {
      holds = [];
      failures = [];
      for (const release of gates) release();
      gates.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.reset();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return proxy;
}
