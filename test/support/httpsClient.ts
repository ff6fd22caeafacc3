import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * One HTTP(S) request from the test process, trusting exactly the CA it is given (a local peer's),
 * never following redirects: a test asserts on where a page sends the browser before going there.
 */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (throws, naming the body, if it is not). */
  json<T = Record<string, unknown>>(): T;
}

export interface HttpCallOptions {
  /** The CA (PEM) to trust for https URLs. */
  readonly ca?: string;
  /** A JSON body. */
  readonly json?: unknown;
  /** An application/x-www-form-urlencoded body. */
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export function httpCall(method: 'GET' | 'POST', url: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  let body: string | undefined;
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(target, { method, headers, ...(target.protocol === 'https:' && options.ca ? { ca: options.ca } : {}), timeout: options.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json<T>() {
            try {
              return JSON.parse(text) as T;
            } catch {
              throw new Error(`${method} ${url} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 500)}`);
            }
          },
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
