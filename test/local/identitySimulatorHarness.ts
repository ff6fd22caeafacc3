import { request as httpsRequest } from 'node:https';
import {
  AuthenticationResult,
  DeviceCodeRequest,
  INetworkModule,
  NetworkRequestOptions,
  NetworkResponse,
  PublicClientApplication,
} from '@azure/msal-node';
import type { IdentitySimulator } from '../../src/local/identitySimulator';

/** MSAL's DeviceCodeResponse (not re-exported by msal-node). */
export type DeviceCodeResponse = Parameters<DeviceCodeRequest['deviceCodeCallback']>[0];

export const CLIENT_ID = '3f7b2c1d-9e8a-4b6c-8d5e-2a1b0c9d8e7f';
export const CONTOSO = { tenantId: '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60', domain: 'contoso.onmicrosoft.com' };
export const CONTOSO_ADMIN = { upn: 'megan.bowen@contoso.onmicrosoft.com', oid: '0b7e6d5c-4a3b-4c2d-8e1f-a1b2c3d4e501' };
export const CONTOSO_SERVICE = { upn: 'svc-tenantaccess@contoso.onmicrosoft.com', oid: '0b7e6d5c-4a3b-4c2d-8e1f-a1b2c3d4e502' };
export const FABRIKAM = { tenantId: '2a9d8c7b-6e5f-4a3b-8c1d-0e9f8a7b6c50', domain: 'fabrikam.onmicrosoft.com' };
export const FABRIKAM_SERVICE = { upn: 'svc-tenantaccess@fabrikam.onmicrosoft.com', oid: '1c8f7e6d-5b4a-4d3e-9f2a-b2c3d4e5f602' };
export const NORTHWIND = { tenantId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c60' };
export const NORTHWIND_ADMIN = { upn: 'diego.siciliani@northwind.onmicrosoft.com', oid: '2d9a8f7e-6c5b-4e4f-8a3b-c3d4e5f6a701' };
export const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

/** Wraps a network client and writes down every URL MSAL asks for, to prove nothing leaves the simulator. */
export function recordingNetworkClient(inner: INetworkModule): INetworkModule & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
      urls.push(url);
      return inner.sendGetRequestAsync<T>(url, options, timeout);
    },
    sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
      urls.push(url);
      return inner.sendPostRequestAsync<T>(url, options);
    },
  };
}

export function publicClientFor(
  simulator: IdentitySimulator,
  tenant: string,
  networkClient: INetworkModule,
  clientId = CLIENT_ID,
): PublicClientApplication {
  return new PublicClientApplication({
    auth: { clientId, authority: simulator.authorityFor(tenant), knownAuthorities: [simulator.knownAuthority] },
    system: { networkClient },
  });
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error & { errorCode?: string; errorNo?: string; correlationId?: string } };

export interface RunningDeviceCodeSignIn {
  /** Resolves with the user code as soon as MSAL hands it to the callback. */
  userCode: Promise<string>;
  /** Everything MSAL handed to the callback, device code included. */
  deviceCodeResponse: Promise<DeviceCodeResponse>;
  outcome: Promise<Settled<AuthenticationResult | null>>;
  request: DeviceCodeRequest;
}

/** Starts MSAL's device-code flow and hands back the user code, as the bot's card would show it. */
export function startDeviceCodeSignIn(
  client: PublicClientApplication,
  request: Partial<DeviceCodeRequest> = {},
): RunningDeviceCodeSignIn {
  let deliver: (response: DeviceCodeResponse) => void = () => undefined;
  const deviceCodeResponse = new Promise<DeviceCodeResponse>((resolve) => {
    deliver = resolve;
  });
  const fullRequest: DeviceCodeRequest = {
    scopes: [GRAPH_DEFAULT],
    ...request,
    deviceCodeCallback: (response) => deliver(response),
  };
  const outcome = client.acquireTokenByDeviceCode(fullRequest).then(
    (value): Settled<AuthenticationResult | null> => ({ ok: true, value }),
    (error: unknown): Settled<AuthenticationResult | null> => ({ ok: false, error: error as Error }),
  );
  return { userCode: deviceCodeResponse.then((response) => response.userCode), deviceCodeResponse, outcome, request: fullRequest };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** A plain HTTPS call to the simulator, trusting only its CA: for pages, Graph and protocol details MSAL hides. */
export function callSimulator(
  simulator: IdentitySimulator,
  method: 'GET' | 'POST',
  path: string,
  options: { headers?: Record<string, string>; form?: Record<string, string>; json?: unknown } = {},
): Promise<RawResponse> {
  const body = options.form
    ? new URLSearchParams(options.form).toString()
    : options.json !== undefined
      ? JSON.stringify(options.json)
      : undefined;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const request = httpsRequest(new URL(path, simulator.url), { method, headers, ca: simulator.caPem }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Reads the value of a hidden or named input out of a simulator page. */
export function inputValue(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return match ? match[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>') : undefined;
}

/** A control-API call (`/_sim/...`) with a JSON body, as a test in another process would make it. */
export async function control<T = Record<string, unknown>>(simulator: IdentitySimulator, path: string, json?: unknown): Promise<{ status: number; body: T }> {
  const response = json === undefined ? await callSimulator(simulator, 'GET', path) : await callSimulator(simulator, 'POST', path, { json });
  return { status: response.status, body: response.json<T>() };
}

export interface RawTokens {
  access_token: string;
  refresh_token: string;
  id_token: string;
  scope: string;
}

/**
 * A device-code sign-in over plain HTTP (no MSAL, no polling loop): ask for a code, finish it through the
 * control API, poll once. For tests that need a refresh token quickly and want to see every byte of the answers.
 */
export async function signInRaw(
  simulator: IdentitySimulator,
  options: { tenant: string; upn: string; scope?: string; clientId?: string },
): Promise<RawTokens> {
  const clientId = options.clientId ?? CLIENT_ID;
  const start = await callSimulator(simulator, 'POST', `/${options.tenant}/oauth2/v2.0/devicecode`, {
    form: { client_id: clientId, scope: options.scope ?? `${GRAPH_DEFAULT} offline_access openid profile` },
  });
  const { device_code: deviceCode, user_code: userCode } = start.json<{ device_code: string; user_code: string }>();
  const completed = await control(simulator, '/_sim/devicecode/complete', { userCode, upn: options.upn });
  if (completed.status !== 200) throw new Error(`completing the sign-in failed: ${JSON.stringify(completed.body)}`);
  const poll = await callSimulator(simulator, 'POST', `/${options.tenant}/oauth2/v2.0/token`, {
    form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: clientId, device_code: deviceCode },
  });
  if (poll.status !== 200) throw new Error(`sign-in failed: ${poll.text}`);
  return poll.json<RawTokens>();
}

/** One refresh-token redemption over plain HTTP. */
export function redeemRefreshToken(
  simulator: IdentitySimulator,
  refreshToken: string,
  options: { tenant?: string; scope?: string; clientId?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return callSimulator(simulator, 'POST', `/${options.tenant ?? 'organizations'}/oauth2/v2.0/token`, {
    headers: options.headers,
    form: {
      grant_type: 'refresh_token',
      client_id: options.clientId ?? CLIENT_ID,
      refresh_token: refreshToken,
      scope: options.scope ?? `${GRAPH_DEFAULT} offline_access openid profile`,
    },
  });
}
