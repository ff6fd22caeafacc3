import { randomUUID } from 'node:crypto';
import { PublicClientApplication, type AccountInfo, type AuthenticationResult, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { msalAuthorityOptions } from '../../domain/authorityHosts';
import type { Logger } from '../../log';
import type { CachedAccount, OpenedTokenCache, RefreshOutcome, TokenRefresher, TokenRefreshSession } from '../../usecases/ports';
import { EntraTransportError, type EntraNetworkClient } from './entraNetworkClient';
import { failureOf, type SeenOnTheWire } from './msalFailure';
import { OIDC_SCOPES } from '../../domain/validation';
import type { TokenCacheStore } from './tokenCacheStore';

export interface MsalTokenRefresherOptions {
  readonly clientId: string;
  readonly authorityHost: string;
  readonly networkClient: EntraNetworkClient;
  readonly caches: TokenCacheStore;
  readonly logger: Logger;
  /** How long a tenant's OpenID configuration is reused (default an hour). */
  readonly discoveryTtlMs?: number;
}

const DISCOVERY_KEPT = 1_000;

/**
 * The refresh-token grant through MSAL, on a tenant's sealed cache opened once: each session is
 * its own PublicClientApplication holding the cache in memory (no cache plugin, so MSAL does not
 * read and write the store around every call), and `save` writes the rolled cache back once.
 *
 * A new PublicClientApplication would fetch the tenant's OpenID configuration every time; those
 * documents are kept for an hour here instead (Entra publishes them for caching), so a validation
 * costs the token requests alone.
 */
export class MsalTokenRefresher implements TokenRefresher {
  private readonly discovery = new Map<string, { response: NetworkResponse<unknown>; atMs: number }>();

  constructor(private readonly options: MsalTokenRefresherOptions) {}

  async open(tenantId: string): Promise<OpenedTokenCache> {
    const opened = await this.options.caches.openVersioned(tenantId);
    if (!opened.ok) return opened;
    const seen: SeenOnTheWire = { requests: 0 };
    const pca = new PublicClientApplication({
      auth: { clientId: this.options.clientId, ...msalAuthorityOptions(`${this.options.authorityHost}/${tenantId}`) },
      system: { networkClient: this.network(seen), loggerOptions: { piiLoggingEnabled: false, logLevel: 0, loggerCallback: () => undefined } },
    });
    pca.getTokenCache().deserialize(opened.serialized);
    const accounts = await pca.getTokenCache().getAllAccounts();
    return { ok: true, session: new MsalRefreshSession(tenantId, pca, accounts, opened.serialized, opened.version, seen, this.options) };
  }

  /** The shared network client, with discovery documents kept a while and what each session sent noted. */
  private network(seen: SeenOnTheWire): INetworkModule {
    const shared = this.options.networkClient;
    const ttlMs = this.options.discoveryTtlMs ?? 3_600_000;
    const note = (error: unknown): never => {
      if (error instanceof EntraTransportError) seen.transport = error.failure;
      throw error;
    };
    return {
      sendGetRequestAsync: async <T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> => {
        const kept = this.discovery.get(url);
        if (kept && Date.now() - kept.atMs < ttlMs) return kept.response as NetworkResponse<T>;
        seen.requests++;
        const response = await shared.sendGetRequestAsync<T>(url, options, timeout).catch(note);
        if (response.status === 200 && /\/\.well-known\/openid-configuration$|\/discovery\/instance$/.test(new URL(url).pathname)) {
          this.discovery.delete(url);
          this.discovery.set(url, { response, atMs: Date.now() });
          while (this.discovery.size > DISCOVERY_KEPT) this.discovery.delete(this.discovery.keys().next().value!);
        }
        return response;
      },
      sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
        seen.requests++;
        return shared.sendPostRequestAsync<T>(url, options).catch(note);
      },
    };
  }
}

class MsalRefreshSession implements TokenRefreshSession {
  readonly accounts: readonly CachedAccount[];
  private dirty = false;

  constructor(
    private readonly tenantId: string,
    private readonly pca: PublicClientApplication,
    private readonly msalAccounts: readonly AccountInfo[],
    private readonly opened: string,
    private readonly version: string,
    private readonly seen: SeenOnTheWire,
    private readonly options: MsalTokenRefresherOptions,
  ) {
    this.accounts = msalAccounts.map((a) => ({
      homeAccountId: a.homeAccountId,
      username: a.username,
      tenantId: (a.tenantId || tenantId).toLowerCase(),
      objectId: a.localAccountId,
    }));
  }

  get changed(): boolean {
    return this.dirty;
  }

  async refresh(account: CachedAccount, scopes: readonly string[]): Promise<RefreshOutcome> {
    const msalAccount = this.msalAccounts.find((a) => a.homeAccountId === account.homeAccountId);
    if (!msalAccount) return { ok: false, failure: { kind: 'client', code: 'no_tokens_found', message: 'the account is not in the cache', requestsSent: 0 } };
    const cache = this.pca.getTokenCache();
    const before = cache.serialize();
    const correlationId = randomUUID();
    const { networkClient, logger } = this.options;
    this.seen.transport = undefined;
    try {
      // forceRefresh: a cached access token proves nothing; redeeming the refresh token is the check, and what keeps it alive.
      const result = await this.pca.acquireTokenSilent({ account: msalAccount, scopes: [...scopes], forceRefresh: true, correlationId });
      this.dirty = true;
      return { ok: true, accessToken: result.accessToken, permissions: permissionsOf(result), expiresOn: result.expiresOn?.toISOString() };
    } catch (error) {
      const failure = failureOf(error, networkClient, this.seen);
      const answered = networkClient.lastTokenErrorAnswer(correlationId);
      const retryAfterSeconds = failure.kind === 'transport' && failure.failure.kind === 'http-status' ? failure.failure.retryAfterSeconds : answered?.retryAfterSeconds;
      // MSAL drops a refresh token Entra calls bad; whether to keep the account is the caller's decision.
      cache.deserialize(before);
      logger.info(
        { event: 'token-refresh.failed', tenantId: this.tenantId, correlationId, failure: failure.kind, code: failure.kind === 'client' ? failure.code : undefined, aadsts: failure.kind === 'entra' ? failure.error.errorCodes : undefined, status: failure.kind === 'entra' ? failure.status : undefined },
        'refresh-token grant refused or not answered',
      );
      return { ok: false, failure, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    }
  }

  async remove(account: CachedAccount): Promise<void> {
    const msalAccount = this.msalAccounts.find((a) => a.homeAccountId === account.homeAccountId);
    if (!msalAccount) return;
    await this.pca.getTokenCache().removeAccount(msalAccount);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await this.options.caches.saveChanges(this.tenantId, this.opened, this.pca.getTokenCache().serialize(), this.version);
    this.dirty = false;
  }
}

/**
 * What the new access token grants on its resource: its `scp` claim when it can be read (the
 * authoritative list), else the answer's scopes. A `.default` request is answered with the real
 * permissions, never `.default` itself.
 */
function permissionsOf(result: AuthenticationResult): string[] {
  const scp = scpOf(result.accessToken);
  if (scp) return scp;
  return result.scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()) && !s.endsWith('/.default')).map((s) => (s.includes('://') ? s.slice(s.lastIndexOf('/') + 1) : s));
}

function scpOf(accessToken: string): string[] | undefined {
  const payload = accessToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { scp?: unknown };
    return typeof claims.scp === 'string' ? claims.scp.split(' ').filter((s) => s.length > 0) : undefined;
  } catch {
    return undefined;
  }
}
