import type { Clock } from '../../src/clock';
import { DAY_MS } from '../../src/clock';
import type { CustomerTenant } from '../../src/domain/tenant';
import type { SeededRow } from '../../src/local/identitySimulator';
import type { Sealer, TenantStore, TokenCacheDocs } from '../../src/usecases/ports';

/**
 * Onboarded tenants without sign-ins: the identity simulator's seeding (`POST /_sim/seed`, or
 * `control.seedTenants`) makes the tenants and a refresh token each; this writes what the bot would
 * have stored after each admin's sign-in — the tenant (token mode, its domain) and its sealed MSAL
 * token cache holding that refresh token — straight into the store. For tests and benches that need
 * many tenants, not many sign-ins.
 */

const CLIENT_INFO = (uid: string, utid: string) => Buffer.from(JSON.stringify({ uid, utid })).toString('base64url');

/** An ID token's claims, unsigned: MSAL reads the account's name from it and never checks a cached one's signature. */
function idToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'none' })}.${part(claims)}.`;
}

/**
 * The MSAL token cache a device-code sign-in leaves (msal-node's serialization): the account, its
 * ID token (MSAL takes the account's username from it) and its refresh token. No access token: a
 * validation always redeems the refresh token. `environment` is the authority's host (with its
 * port), as MSAL keys its entries.
 */
export function seededTokenCache(row: SeededRow, clientId: string, environment: string, now = new Date()): string {
  const [tenantId, , userOid, upn, refreshToken] = row;
  const iat = Math.floor(now.getTime() / 1000);
  const homeAccountId = `${userOid}.${tenantId}`;
  const account = {
    home_account_id: homeAccountId,
    environment,
    realm: tenantId,
    local_account_id: userOid,
    username: upn,
    authority_type: 'MSSTS',
    client_info: CLIENT_INFO(userOid, tenantId),
  };
  const key = (...parts: string[]) => parts.join('-').toLowerCase();
  return JSON.stringify({
    Account: { [key(homeAccountId, environment, tenantId)]: account },
    IdToken: {
      [`${key(homeAccountId, environment, 'idtoken', clientId, tenantId)}--`]: {
        home_account_id: homeAccountId,
        environment,
        credential_type: 'IdToken',
        client_id: clientId,
        realm: tenantId,
        secret: idToken({ aud: clientId, iss: `https://${environment}/${tenantId}/v2.0`, iat, nbf: iat, exp: iat + 3600, oid: userOid, sub: userOid, tid: tenantId, preferred_username: upn, name: upn, ver: '2.0' }),
      },
    },
    AccessToken: {},
    RefreshToken: {
      [`${key(homeAccountId, environment, 'refreshtoken', clientId)}---`]: { home_account_id: homeAccountId, environment, credential_type: 'RefreshToken', client_id: clientId, secret: refreshToken },
    },
    AppMetadata: {},
  });
}

/** The tenant as activation leaves it: token mode, Successful, its domain verified. */
export function seededTenant(row: SeededRow, now: Date): CustomerTenant {
  const [tenantId, domain, , upn] = row;
  return {
    id: tenantId,
    tenantId,
    displayName: domain,
    domain,
    domains: [domain],
    authMode: 'token',
    authStatus: 'successful',
    token: { account: upn, createdAt: now.toISOString(), lastRefreshedAt: now.toISOString(), refreshExpiresAt: new Date(now.getTime() + 90 * DAY_MS).toISOString(), scopes: ['https://graph.microsoft.com/User.Read', 'https://graph.microsoft.com/Organization.Read.All'] },
    createdAt: now.toISOString(),
    createdBy: 'seed',
  };
}

/** Writes each row's tenant and sealed cache (sealed as `TokenCacheStore` seals: AAD `tokenCache:<tenant id>`), `parallel` at a time. */
export async function seedStore(
  stores: { tenants: Pick<TenantStore, 'ensure'>; tokenCacheDocs: Pick<TokenCacheDocs, 'put'> },
  sealer: Sealer,
  clock: Clock,
  rows: readonly SeededRow[],
  options: { clientId: string; environment: string; parallel?: number },
): Promise<void> {
  let next = 0;
  const now = clock.now();
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      const tenantId = row[0];
      const sealed = await sealer.seal(seededTokenCache(row, options.clientId, options.environment, now), `tokenCache:${tenantId}`);
      await stores.tokenCacheDocs.put({ id: tenantId, tenantId, sealed, updatedAt: now.toISOString() });
      await stores.tenants.ensure(seededTenant(row, now));
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 8 }, worker));
}
