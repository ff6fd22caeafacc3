import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isLoopbackHostHeader } from '../domain/loopback';

/**
 * The embedded Cosmos-protocol server accepts any key and any caller. On a developer's machine a web
 * page could reach it (a "simple" cross-site POST, or DNS rebinding), so in front of it: no browser
 * Origin, a loopback Host only, and the Cosmos master-key signature checked against this run's key,
 * with a fresh `x-ms-date` (Azure allows 15 minutes of skew).
 */
export type CosmosRefusal = 'browser-origin' | 'not-loopback-host' | 'bad-signature' | 'stale-date';

const MAX_SKEW_MS = 15 * 60 * 1000;

export function guardCosmosServer(server: Server, key: string, onRefused?: (reason: CosmosRefusal) => void): void {
  const [inner] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refusal = refusalOf(req, key);
    if (!refusal) return inner(req, res);
    onRefused?.(refusal);
    res.writeHead(refusal === 'bad-signature' || refusal === 'stale-date' ? 401 : 403, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ code: refusal === 'bad-signature' || refusal === 'stale-date' ? 'Unauthorized' : 'Forbidden', message: refusal }));
  });
}

export function refusalOf(req: Pick<IncomingMessage, 'headers' | 'method' | 'url'>, key: string, now = Date.now()): CosmosRefusal | undefined {
  if (req.headers.origin !== undefined) return 'browser-origin';
  if (!isLoopbackHostHeader(req.headers.host)) return 'not-loopback-host';
  const date = String(req.headers['x-ms-date'] ?? '');
  const at = Date.parse(date);
  if (!Number.isFinite(at) || Math.abs(now - at) > MAX_SKEW_MS) return 'stale-date';
  const signature = signatureOf(String(req.headers.authorization ?? ''));
  if (!signature) return 'bad-signature';
  const path = new URL(req.url ?? '/', 'http://cosmos.invalid').pathname;
  const matches = candidatesFor(path).some(([type, id]) => sameSignature(signature, sign(key, req.method ?? '', type, id, date)));
  return matches ? undefined : 'bad-signature';
}

function signatureOf(authorization: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(authorization);
  } catch {
    return undefined;
  }
  const params = new URLSearchParams(decoded.replace(/\+/g, '%2B'));
  return params.get('type') === 'master' ? (params.get('sig') ?? undefined) : undefined;
}

/** What the SDK may have signed for this path: the item (`…/docs/<id>`) or the feed it belongs to. */
function candidatesFor(path: string): [string, string][] {
  const segments = path.split('/').filter((s) => s.length > 0);
  const decoded = segments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  if (segments.length === 0) return [['', '']];
  const out: [string, string][] = [];
  for (const parts of [decoded, segments]) {
    if (parts.length % 2 === 0) out.push([parts[parts.length - 2], parts.join('/')]);
    else out.push([parts[parts.length - 1], parts.slice(0, -1).join('/')]);
  }
  return out;
}

function sign(key: string, method: string, resourceType: string, resourceId: string, date: string): string {
  const text = `${method.toLowerCase()}\n${resourceType.toLowerCase()}\n${resourceId}\n${date.toLowerCase()}\n\n`;
  return createHmac('sha256', Buffer.from(key, 'base64')).update(text).digest('base64');
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
