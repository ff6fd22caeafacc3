import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SimulatedTenant, SimulatedUser } from './directory';
import { GRAPH_RESOURCE, OIDC_SCOPES } from './resourceConsents';
import { base64UrlJson, signJwt, SigningKey } from './signingKey';

/** Entra's role template id of Global Administrator, as it appears in the `wids` claim. */
const GLOBAL_ADMIN_ROLE_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';

/** What a scope string is turned into: the one resource the token is for and the permissions in `scp`. */
export interface GrantedScopes {
  resource: string;
  permissions: string[];
  /** Permissions named one by one (not through `.default`): each must be within the tenant's consent. */
  namedPermissions: string[];
  /** The `scope` field of the answer: the requested scopes as sent, so MSAL's cache lookups for them hit. */
  responseScope: string;
  offlineAccess: boolean;
}

export interface TokenResponseBody {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token: string;
  client_info: string;
}

export interface TokenIssueRequest {
  key: SigningKey;
  baseUrl: string;
  now: Date;
  clientId: string;
  user: SimulatedUser;
  /** The user's home tenant: it, not the authority's tenant, is the `tid` (that is what "wrong tenant" looks like). */
  tenant: SimulatedTenant;
  granted: GrantedScopes;
  accessTokenLifetimeSeconds: number;
  refreshToken?: string;
  nonce?: string;
}

/**
 * `.default` stands for the permissions the app was consented for on that resource (`defaultPermissions`, a list
 * or a lookup by resource); a scope without a resource prefix is a Graph permission; with no resource scope at all
 * Entra hands out a Graph token for User.Read.
 */
export function grantScopes(
  scopeParameter: string,
  defaultPermissions: readonly string[] | ((resource: string) => readonly string[]),
): GrantedScopes {
  const requested = scopeParameter.split(' ').filter((scope) => scope.length > 0);
  const resourceScopes = requested.filter((scope) => !OIDC_SCOPES.has(scope.toLowerCase()));
  const first = resourceScopes[0];
  const resource = first ? resourceOf(first) : GRAPH_RESOURCE;
  const defaults = typeof defaultPermissions === 'function' ? defaultPermissions : () => defaultPermissions;
  const permissions = new Set<string>();
  const namedPermissions: string[] = [];
  for (const scope of resourceScopes.filter((candidate) => resourceOf(candidate) === resource)) {
    const permission = permissionOf(scope);
    if (permission === '.default') defaults(resource).forEach((name) => permissions.add(name));
    else {
      permissions.add(permission);
      namedPermissions.push(permission);
    }
  }
  if (resourceScopes.length === 0) {
    permissions.add('User.Read');
    namedPermissions.push('User.Read');
  }
  const responseScopes = requested.filter((scope) => scope.toLowerCase() !== 'offline_access');
  return {
    resource,
    permissions: [...permissions],
    namedPermissions,
    responseScope: responseScopes.join(' '),
    offlineAccess: requested.some((scope) => scope.toLowerCase() === 'offline_access'),
  };
}

export function issueTokens(request: TokenIssueRequest): TokenResponseBody {
  const { key, baseUrl, now, clientId, user, tenant, granted } = request;
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + request.accessTokenLifetimeSeconds;
  const issuer = `${baseUrl}/${tenant.tenantId}/v2.0`;
  const accessClaims: Record<string, unknown> = {
    aud: granted.resource,
    iss: issuer,
    iat: issuedAt,
    nbf: issuedAt,
    exp: expiresAt,
    appid: clientId,
    azp: clientId,
    idtyp: 'user',
    name: user.displayName,
    oid: user.oid,
    scp: granted.permissions.join(' '),
    sub: pairwiseSubject(user.oid, granted.resource),
    tid: tenant.tenantId,
    unique_name: user.upn,
    upn: user.upn,
    uti: randomUUID(),
    ver: '2.0',
  };
  if (user.role === 'global-admin') accessClaims.wids = [GLOBAL_ADMIN_ROLE_TEMPLATE_ID];
  const idClaims: Record<string, unknown> = {
    aud: clientId,
    iss: issuer,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + 3600,
    name: user.displayName,
    oid: user.oid,
    preferred_username: user.upn,
    sub: pairwiseSubject(user.oid, clientId),
    tid: tenant.tenantId,
    ver: '2.0',
  };
  if (request.nonce) idClaims.nonce = request.nonce;
  const body: TokenResponseBody = {
    token_type: 'Bearer',
    scope: granted.responseScope,
    expires_in: request.accessTokenLifetimeSeconds,
    ext_expires_in: request.accessTokenLifetimeSeconds,
    access_token: signJwt(accessClaims, key),
    id_token: signJwt(idClaims, key),
    // MSAL builds the account's home id `uid.utid` from this; without it it falls back to `sub`.
    client_info: base64UrlJson({ uid: user.oid, utid: tenant.tenantId }),
  };
  if (request.refreshToken) body.refresh_token = request.refreshToken;
  return body;
}

/** Opaque, like Entra's: nothing can be read out of it, the simulator keeps only its hash. */
export function newRefreshToken(): string {
  return `1.A${randomBytes(96).toString('base64url')}`;
}

function resourceOf(scope: string): string {
  const slash = scope.lastIndexOf('/');
  return slash > 0 ? scope.slice(0, slash) : GRAPH_RESOURCE;
}

function permissionOf(scope: string): string {
  const slash = scope.lastIndexOf('/');
  return slash > 0 ? scope.slice(slash + 1) : scope;
}

/** Entra's `sub` differs per app; a hash keeps it stable without revealing anything. */
function pairwiseSubject(oid: string, audience: string): string {
  return createHash('sha256').update(`${oid}|${audience}`).digest('base64url').slice(0, 43);
}
