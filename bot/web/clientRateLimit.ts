import { isIP } from 'node:net';
import type { Request } from 'restify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Per-client token buckets for the customer routes (invitation and reviewer pages, the consent
 * callback): anyone on the internet can reach them, so one client cannot make us do unbounded work.
 * Behind App Service's front end every request comes from a few proxy addresses: the client is then
 * read from `X-Forwarded-For`, but only when the request came from a proxy we were told to trust.
 */
export interface ClientRateLimit {
  admit(req: Request): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number; client: string }>;
}

export interface ClientRateLimitOptions {
  /** Requests per client per window. */
  readonly points: number;
  readonly windowSeconds: number;
  /** Addresses of reverse proxies whose `X-Forwarded-For` is believed. */
  readonly trustedProxies: readonly string[];
}

export function createClientRateLimit(options: ClientRateLimitOptions): ClientRateLimit {
  const limiter = new RateLimiterMemory({ points: options.points, duration: options.windowSeconds });
  const trusted = new Set(options.trustedProxies.map(normalizeAddress));
  return {
    async admit(req) {
      const client = clientAddressOf(req, trusted);
      try {
        await limiter.consume(client);
        return { ok: true };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), client };
      }
    },
  };
}

/**
 * The nearest address that is not a trusted proxy: walking `X-Forwarded-For` from the right, each hop
 * was added by the proxy before it, so only hops a trusted proxy vouches for are believed.
 */
export function clientAddressOf(req: Pick<Request, 'headers'> & { socket: { remoteAddress?: string } }, trusted: ReadonlySet<string>): string {
  let address = normalizeAddress(req.socket.remoteAddress ?? 'unknown');
  if (!trusted.has(address)) return address;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => normalizeAddress(h.trim())).filter((h) => h.length > 0);
  while (hops.length > 0 && trusted.has(address)) address = hops.pop()!;
  return address;
}

/** `::ffff:1.2.3.4` and `1.2.3.4:5678` (App Service adds the port) are both `1.2.3.4`. */
export function normalizeAddress(raw: string): string {
  let a = raw.trim().toLowerCase();
  if (a.startsWith('[')) a = a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(a);
  if (withPort) a = withPort[1];
  return a;
}
