import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { Clock } from '../clock';
import { SecretBox, sealedSecretSchema } from '../crypto/secretBox';
import type { TokenCacheRepository } from '../store/tokenCacheRepository';

/** The AAD binds a sealed cache to its tenant: a blob copied to another tenant's record won't open. */
const aadFor = (tenantId: string) => `tokenCache:${tenantId}`;

/**
 * MSAL token caches per customer tenant, sealed with AES-256-GCM before they are stored. MSAL hands
 * its plugin the whole serialized cache, refresh tokens in plain text, so sealing happens here.
 */
export class TokenCacheStore {
  constructor(private readonly repository: TokenCacheRepository, private readonly box: SecretBox, private readonly clock: Clock) {}

  async save(tenantId: string, serializedCache: string): Promise<void> {
    await this.repository.put({ id: tenantId, tenantId, sealed: this.box.seal(serializedCache, aadFor(tenantId)), updatedAt: this.clock.now().toISOString() });
  }

  /** The serialized cache, or undefined when there is none (or it cannot be opened with our keys). */
  async load(tenantId: string): Promise<string | undefined> {
    const doc = await this.repository.get(tenantId);
    if (!doc) return undefined;
    const sealed = sealedSecretSchema.safeParse(doc.sealed);
    if (!sealed.success) return undefined;
    return this.box.openString(sealed.data, aadFor(tenantId));
  }

  /** A cache plugin for a PublicClientApplication that serves one customer tenant. */
  pluginFor(tenantId: string): ICachePlugin {
    return {
      beforeCacheAccess: async (context: TokenCacheContext) => {
        const cache = await this.load(tenantId);
        if (cache !== undefined) context.tokenCache.deserialize(cache);
      },
      afterCacheAccess: async (context: TokenCacheContext) => {
        if (context.cacheHasChanged) await this.save(tenantId, context.tokenCache.serialize());
      },
    };
  }
}
