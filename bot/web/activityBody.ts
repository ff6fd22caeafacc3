import type { IncomingMessage } from 'node:http';
import type { Request } from 'restify';

/**
 * Reads the body of POST /api/messages, bounded, and checks it is shaped like an activity. Nothing
 * here trusts the body: the channel token (channelToken.ts) is checked before it is read and again,
 * bound to it, after.
 */
/** The minimum the adapter needs to route and answer an activity; Bot Framework always sends these. */
export interface InboundActivity extends Record<string, unknown> {
  type: string;
  channelId: string;
  serviceUrl: string;
}

export type BodyRead =
  | { kind: 'activity'; activity: InboundActivity }
  | { kind: 'not-an-activity' }
  | { kind: 'too-large' };

/** Bot Framework activities are a few KB; Teams caps messages at about 100 KB. */
export const defaultMaxBodyBytes = 256 * 1024;

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function asActivity(value: unknown): BodyRead {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'not-an-activity' };
  const candidate = value as Record<string, unknown>;
  if (!nonEmptyString(candidate.type) || !nonEmptyString(candidate.channelId) || !nonEmptyString(candidate.serviceUrl)) {
    return { kind: 'not-an-activity' };
  }
  return { kind: 'activity', activity: candidate as InboundActivity };
}

function parseActivity(text: string): BodyRead {
  try {
    return asActivity(JSON.parse(text));
  } catch {
    return { kind: 'not-an-activity' };
  }
}

function readRawBody(req: IncomingMessage, maxBytes: number): Promise<{ ok: true; text: string } | { ok: false; tooLarge: boolean }> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, tooLarge: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: { ok: true; text: string } | { ok: false; tooLarge: boolean }) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        settle({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => settle({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => settle({ ok: false, tooLarge: false }));
    req.on('close', () => settle({ ok: false, tooLarge: false }));
  });
}

export async function readActivity(req: Request, maxBytes: number): Promise<BodyRead> {
  // A body parser mounted before us (restify.plugins.bodyParser) has already consumed the stream.
  if (req.body !== undefined) {
    if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) return parseActivity(req.body.toString());
    return asActivity(req.body);
  }
  const raw = await readRawBody(req, maxBytes);
  if (raw.ok) return parseActivity(raw.text);
  return raw.tooLarge ? { kind: 'too-large' } : { kind: 'not-an-activity' };
}
