import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

const MAX_BODY_BYTES = 64 * 1024;

/** A request as the route handlers see it: path split from query, body read in full (small bodies only). */
export interface SimulatorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type BodyReadResult = { ok: true; body: string } | { ok: false; reason: 'too-large' };

export async function readBody(request: IncomingMessage): Promise<BodyReadResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return { ok: false, reason: 'too-large' };
    chunks.push(buffer);
  }
  return { ok: true, body: Buffer.concat(chunks).toString('utf8') };
}

export function formOf(request: SimulatorRequest): URLSearchParams {
  return new URLSearchParams(request.body);
}

/** JSON bodies of the control API; anything that is not a JSON object reads as `undefined`. */
export function jsonOf(request: SimulatorRequest): unknown {
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    return undefined;
  }
}

/** Entra echoes the caller's `client-request-id` (MSAL sends it in the query and in a header). */
export function correlationIdOf(request: SimulatorRequest): string {
  const fromQuery = request.query.get('client-request-id');
  const fromHeader = request.headers['client-request-id'];
  return fromQuery ?? (typeof fromHeader === 'string' ? fromHeader : undefined) ?? randomUUID();
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    'content-length': Buffer.byteLength(payload).toString(),
    ...headers,
  });
  response.end(payload);
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The pages use no scripts and nothing from elsewhere. No form-action: the consent form must redirect off-site.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(html).toString(),
  });
  response.end(html);
}

export function sendRedirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': '0' });
  response.end();
}

/** What a route handler gets: the parsed request, the response to write, and the path parameters its pattern named. */
export interface RouteContext<State> {
  state: State;
  request: SimulatorRequest;
  response: ServerResponse;
  params: Record<string, string>;
}
