import { createHash } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import {
  ClientAuthError,
  ServerError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import type { Logger } from 'pino';
import type { TransportFailure } from '../../domain/signInFailures';
import { cappedByDeadline } from '../../deadline';
import { retryAfterSecondsOf } from '../../domain/retryAfter';

/** Entra's OAuth error body as the token and device-code endpoints send it. */
export interface EntraErrorBody {
  error: string;
  error_description?: string;
  error_codes?: number[];
  timestamp?: string;
  trace_id?: string;
  correlation_id?: string;
  error_uri?: string;
  suberror?: string;
  claims?: string;
}

/** A final error from the token or device-code endpoint (not `authorization_pending`, not `slow_down`). */
export interface EntraTokenError {
  /** MSAL's correlation id of the request: the same id MSAL puts on the error it throws. */
  correlationId?: string;
  endpoint: 'token' | 'devicecode';
  status: number;
  body: EntraErrorBody;
  /** The answer's Retry-After, in seconds (a 503 `temporarily_unavailable` may carry one). */
  retryAfterSeconds?: number;
}

/** What our network client throws when a request got no usable answer; MSAL rethrows it unchanged. */
export class EntraTransportError extends ClientAuthError {
  constructor(readonly failure: TransportFailure, correlationId: string, message: string) {
    super('network_error', correlationId, message);
    // MSAL's error classes reset the prototype to their own, which would break `instanceof` here.
    Object.setPrototypeOf(this, EntraTransportError.prototype);
    this.name = 'EntraTransportError';
  }
}

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface EntraNetworkClientOptions {
  /** An extra CA (PEM) to trust besides the system roots: the local CA of the identity simulator. */
  ca?: string;
  /** How much longer to wait between polls after each `slow_down`. RFC 8628 says 5 s (the default). */
  slowDownIncrementMs?: number;
  /** Called with every final token/device-code endpoint error; the body carries the AADSTS codes MSAL drops. */
  onTokenError?: (error: EntraTokenError) => void;
  /** Per-request timeout for POSTs, and for GETs MSAL gives none for. Default 30 s. */
  requestTimeoutMs?: number;
  /** Gets one line per request: method, host, path, status, OAuth error and codes. Never bodies or query strings. */
  logger?: Logger;
  /** For tests that need to observe the slow-down wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Resolves host names (default: the system's); tests answer Microsoft's host names locally with it. */
  lookup?: LookupFunction;
}

/**
 * MSAL's `system.networkClient`, built on node's https with a keep-alive agent, that makes up for three things
 * MSAL does not do:
 * - `slow_down` from the token endpoint ends MSAL's device-code poll (it only goes on after
 *   `authorization_pending`), so it is answered to MSAL as `authorization_pending` and every later poll of that
 *   device code is held back by the accumulated increment (RFC 8628 §3.5): MSAL's own wait plus ours is never
 *   shorter than the slowed interval.
 * - MSAL's thrown error keeps only the OAuth error string, so the full error body is kept per correlation id
 *   (`lastTokenError(error.correlationId)`) and handed to `onTokenError`.
 * - A refused device-code request would reach MSAL's callback as a code of `undefined`; it is thrown as a
 *   `ServerError` with its AADSTS code instead.
 */
export interface EntraNetworkClient extends INetworkModule {
  /** The last final error body of the request with this correlation id (never another flow's). */
  lastTokenError(correlationId: string | undefined): EntraErrorBody | undefined;
  /** The same answer with its HTTP status and Retry-After, which MSAL's error drops. */
  lastTokenErrorAnswer(correlationId: string | undefined): Omit<EntraTokenError, 'correlationId' | 'endpoint'> | undefined;
  /** Closes the pooled connections. */
  close(): void;
}

const DEVICE_CODE_GRANT_TYPES = new Set(['device_code', 'urn:ietf:params:oauth:grant-type:device_code']);
const MAX_REMEMBERED = 500;
const DEFAULT_TIMEOUT_MS = 30_000;

export function createEntraNetworkClient(options: EntraNetworkClientOptions = {}): EntraNetworkClient {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 16,
    ca: options.ca ? [...rootCertificates, options.ca] : undefined,
    lookup: options.lookup,
  });
  const slowDownIncrementMs = options.slowDownIncrementMs ?? 5_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const errorsByCorrelation = new Map<string, Omit<EntraTokenError, 'correlationId' | 'endpoint'>>();
  // Keyed by a hash of the device code: the code itself is a bearer secret until redeemed.
  const extraPollDelayMs = new Map<string, number>();

  const send = <T>(method: 'GET' | 'POST', url: URL, requestOptions: NetworkRequestOptions | undefined, timeoutMs: number) =>
    sendJsonRequest<T>({ agent, method, url, options: requestOptions, timeoutMs, logger: options.logger });

  const remember = (correlationId: string | undefined, error: EntraTokenError): void => {
    if (correlationId) {
      errorsByCorrelation.delete(correlationId);
      errorsByCorrelation.set(correlationId, { status: error.status, body: error.body, retryAfterSeconds: error.retryAfterSeconds });
      trimOldest(errorsByCorrelation);
    }
    options.onTokenError?.(error);
  };

  return {
    async sendGetRequestAsync<T>(url: string, requestOptions?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
      return send<T>('GET', new URL(url), requestOptions, cappedByDeadline(timeout ?? requestTimeoutMs));
    },

    async sendPostRequestAsync<T>(url: string, requestOptions?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
      const target = new URL(url);
      const endpoint = endpointOf(target);
      const correlationId = requestOptions?.correlationId || target.searchParams.get('client-request-id') || undefined;
      const pollKey = endpoint === 'token' ? devicePollKey(requestOptions?.body) : undefined;

      const extraDelay = pollKey ? (extraPollDelayMs.get(pollKey) ?? 0) : 0;
      if (extraDelay > 0) await sleep(extraDelay);

      const response = await send<T>('POST', target, requestOptions, cappedByDeadline(requestTimeoutMs));
      if (endpoint === 'other') return response;

      const errorBody = asErrorBody(response.body);
      if (!errorBody) {
        if (correlationId) errorsByCorrelation.delete(correlationId);
        if (pollKey) extraPollDelayMs.delete(pollKey);
        return response;
      }
      if (pollKey && errorBody.error === 'slow_down') {
        const slowed = extraDelay + slowDownIncrementMs;
        extraPollDelayMs.set(pollKey, slowed);
        trimOldest(extraPollDelayMs);
        options.logger?.info({ event: 'entra.slow-down', correlationId, extraDelayMs: slowed }, 'token endpoint asked to poll slower');
        const pending: EntraErrorBody = {
          ...errorBody,
          error: 'authorization_pending',
          error_description: 'slow_down: polling continues with a longer interval',
        };
        return { ...response, body: pending as T };
      }
      if (errorBody.error === 'authorization_pending') return response;

      if (pollKey) extraPollDelayMs.delete(pollKey);
      remember(correlationId, { correlationId, endpoint, status: response.status, body: errorBody, retryAfterSeconds: retryAfterSecondsOf(response.headers?.['retry-after']) });
      if (endpoint === 'devicecode') throw serverErrorOf(errorBody, correlationId ?? '', response.status);
      return response;
    },

    lastTokenError(correlationId: string | undefined): EntraErrorBody | undefined {
      return correlationId === undefined ? undefined : errorsByCorrelation.get(correlationId)?.body;
    },

    lastTokenErrorAnswer(correlationId: string | undefined) {
      return correlationId === undefined ? undefined : errorsByCorrelation.get(correlationId);
    },

    close(): void {
      agent.destroy();
    },
  };
}

interface JsonRequest {
  agent: Agent;
  method: 'GET' | 'POST';
  url: URL;
  options?: NetworkRequestOptions;
  timeoutMs: number;
  logger?: Logger;
}

/** One HTTPS exchange; non-2xx answers are returned, not thrown (MSAL reads the error out of the body). */
function sendJsonRequest<T>({ agent, method, url, options, timeoutMs, logger }: JsonRequest): Promise<NetworkResponse<T>> {
  const correlationId = options?.correlationId ?? '';
  if (url.protocol !== 'https:') {
    return Promise.reject(new ClientAuthError('network_error', correlationId, `Only https is supported, not ${url.protocol}`));
  }
  const started = process.hrtime.bigint();
  const body = method === 'POST' ? (options?.body ?? '') : undefined;
  const headers: Record<string, string> = { ...(options?.headers ?? {}) };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

  return new Promise<NetworkResponse<T>>((resolve, reject) => {
    const request = httpsRequest(url, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => reject(new ClientAuthError('network_error', correlationId, `Network request failed: ${error.message}`)));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text.length === 0 ? {} : JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        const errorBody = asErrorBody(parsed);
        // A 5xx or 429 without an OAuth error body (a gateway page, Entra's bare "Too Many Requests") is
        // Microsoft's side, not an answer; how long it asked us to wait travels with it.
        if ((status >= 500 || status === 429) && !errorBody) {
          const retryAfterSeconds = retryAfterSecondsOf(response.headers['retry-after']);
          logger?.info({ event: 'entra.http-refused', method, host: url.host, path: url.pathname, status, retryAfterSeconds, correlationId: correlationId || undefined }, 'entra answered without an OAuth body');
          reject(new EntraTransportError({ kind: 'http-status', host: url.host, status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) }, correlationId, `HTTP ${status} from ${url.host}${url.pathname}`));
          return;
        }
        if (parsed === undefined) {
          // The body is not repeated in the message: it might hold tokens.
          reject(new ClientAuthError('token_parsing_error', correlationId, `Failed to parse response: HTTP ${status} from ${url.host}${url.pathname}`));
          return;
        }
        logger?.debug(
          {
            event: 'entra.http',
            method,
            host: url.host,
            path: url.pathname,
            status,
            error: errorBody?.error,
            errorCodes: errorBody?.error_codes,
            correlationId: correlationId || undefined,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'entra request answered',
        );
        resolve({ status, headers: flattenHeaders(response.headers), body: parsed as T });
      });
    });
    let timedOut = false;
    request.setTimeout(timeoutMs, () => {
      timedOut = true;
      request.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'UNKNOWN';
      const failure: TransportFailure = timedOut
        ? { kind: 'timeout', host: url.host, timeoutMs }
        : TLS_TRUST_CODES.has(code)
          ? { kind: 'tls-untrusted', host: url.host, code }
          : { kind: 'unreachable', host: url.host, code };
      logger?.warn({ event: 'entra.http-failed', method, host: url.host, path: url.pathname, failure: failure.kind, reason: error.message }, 'entra request failed');
      reject(new EntraTransportError(failure, correlationId, `Network request failed: ${error.message}`));
    });
    request.end(body);
  });
}

function endpointOf(url: URL): 'token' | 'devicecode' | 'other' {
  if (/\/oauth2\/(v2\.0\/)?token$/.test(url.pathname)) return 'token';
  if (/\/oauth2\/(v2\.0\/)?devicecode$/.test(url.pathname)) return 'devicecode';
  return 'other';
}

/** A token request that polls for a device code (the grant MSAL repeats every interval). */
export function isDeviceCodePoll(body: string | undefined): boolean {
  return body !== undefined && DEVICE_CODE_GRANT_TYPES.has(new URLSearchParams(body).get('grant_type') ?? '');
}

function devicePollKey(body: string | undefined): string | undefined {
  if (!isDeviceCodePoll(body)) return undefined;
  const deviceCode = new URLSearchParams(body).get('device_code');
  return deviceCode ? createHash('sha256').update(deviceCode).digest('hex') : undefined;
}

function asErrorBody(body: unknown): EntraErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const candidate = body as Record<string, unknown>;
  if (typeof candidate.error !== 'string' || candidate.error.length === 0) return undefined;
  const text = (key: string): string | undefined => (typeof candidate[key] === 'string' ? (candidate[key] as string) : undefined);
  const codes = Array.isArray(candidate.error_codes)
    ? candidate.error_codes.filter((code): code is number => typeof code === 'number')
    : undefined;
  const parsed: EntraErrorBody = { error: candidate.error };
  const fields = ['error_description', 'timestamp', 'trace_id', 'correlation_id', 'error_uri', 'suberror', 'claims'] as const;
  for (const field of fields) {
    const value = text(field);
    if (value !== undefined) parsed[field] = value;
  }
  if (codes) parsed.error_codes = codes;
  return parsed;
}

/** The error MSAL itself would have thrown for this body, so callers handle one kind of error. */
function serverErrorOf(body: EntraErrorBody, correlationId: string, status: number): ServerError {
  const message =
    `Error(s): ${body.error_codes?.join(',') ?? 'Not Available'} - Timestamp: ${body.timestamp ?? 'Not Available'}` +
    ` - Description: ${body.error_description ?? 'Not Available'} - Correlation ID: ${body.correlation_id ?? correlationId}` +
    ` - Trace ID: ${body.trace_id ?? 'Not Available'}`;
  const errorNo = body.error_codes?.[0];
  return new ServerError(body.error, correlationId, message, body.suberror, errorNo === undefined ? undefined : String(errorNo), status);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function trimOldest<K, V>(map: Map<K, V>): void {
  while (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}

