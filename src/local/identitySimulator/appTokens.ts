import { randomUUID } from 'node:crypto';
import { signJwt, SigningKey } from './signingKey';

const DEFAULT_SUFFIX = '/.default';

/** Entra's answer to the client-credentials grant: an access token only (no refresh token, no id token, no scope). */
export interface AppTokenResponseBody {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

export interface AppTokenIssueRequest {
  key: SigningKey;
  baseUrl: string;
  now: Date;
  clientId: string;
  /** The tenant the token is issued in: the authority's (Bot Framework's for `botframework.com`). */
  tenantId: string;
  /** The token's audience: the scope without `/.default`. */
  resource: string;
  lifetimeSeconds: number;
}

/**
 * The resource of a client-credentials scope, or undefined when the scope is not exactly one `<resource>/.default`:
 * an app has no user to consent for it, so Entra only hands out what was granted to the app beforehand (AADSTS1002012).
 */
export function appTokenResource(scopeParameter: string | null): string | undefined {
  const scopes = (scopeParameter ?? '').split(' ').filter((scope) => scope.length > 0);
  if (scopes.length !== 1) return undefined;
  const [scope] = scopes;
  if (!scope.endsWith(DEFAULT_SUFFIX)) return undefined;
  const resource = scope.slice(0, -DEFAULT_SUFFIX.length);
  return resource.length > 0 ? resource : undefined;
}

/** An app-only v2 access token, signed with the key served at every tenant's `jwks_uri`. */
export function issueAppToken(request: AppTokenIssueRequest): AppTokenResponseBody {
  const issuedAt = Math.floor(request.now.getTime() / 1000);
  const claims: Record<string, unknown> = {
    aud: request.resource,
    iss: `${request.baseUrl}/${request.tenantId}/v2.0`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + request.lifetimeSeconds,
    appid: request.clientId,
    azp: request.clientId,
    // 1: the client authenticated with a secret (2 would be a certificate).
    azpacr: '1',
    idtyp: 'app',
    tid: request.tenantId,
    uti: randomUUID(),
    ver: '2.0',
  };
  return {
    token_type: 'Bearer',
    expires_in: request.lifetimeSeconds,
    ext_expires_in: request.lifetimeSeconds,
    access_token: signJwt(claims, request.key),
  };
}
