import { cappedByDeadline, currentDeadline } from '../../deadline';
import { Agent, get } from 'node:https';

export type JsonResponse = { status: number; body: unknown; headers: Record<string, string | string[] | undefined> };

/** GET a JSON document with a bounded time; network failures reject, HTTP errors resolve. */
export function getJson(url: string, agent: Agent | undefined, timeoutMs = 5000, headers: Record<string, string> = {}): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, headers: { accept: 'application/json', ...headers }, timeout: cappedByDeadline(timeoutMs), signal: currentDeadline()?.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 1_000_000) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
