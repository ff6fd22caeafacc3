import type { Container } from '@azure/cosmos';
import type { StoredTokenCache, TokenCacheDocs } from '../../usecases/ports';
import { createIfAbsent, readItem, statusOf, withoutSystemProperties } from './conditionalWrite';

export class TokenCacheRepository implements TokenCacheDocs {
  constructor(private readonly container: Container) {}

  async get(tenantId: string): Promise<StoredTokenCache | undefined> {
    const doc = await readItem<StoredTokenCache>(this.container, tenantId, tenantId);
    return doc && withoutSystemProperties(doc);
  }

  async getVersioned(tenantId: string): Promise<{ doc: StoredTokenCache; version: string } | undefined> {
    const doc = await readItem<StoredTokenCache>(this.container, tenantId, tenantId);
    return doc && { doc: withoutSystemProperties(doc), version: doc._etag! };
  }

  async replaceIfUnchanged(doc: StoredTokenCache, version: string): Promise<boolean> {
    try {
      await this.container.item(doc.tenantId, doc.tenantId).replace(doc, { accessCondition: { type: 'IfMatch', condition: version } });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) return false;
      throw error;
    }
  }

  async put(doc: StoredTokenCache): Promise<void> {
    await this.container.items.upsert(doc);
  }

  /**
   * Read → change → write conditional on the `_etag` (create when there is none yet), so two
   * sign-ins for one tenant finishing together cannot drop each other's tokens.
   */
  async change(tenantId: string, next: (current: StoredTokenCache | undefined) => Promise<StoredTokenCache>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await readItem<StoredTokenCache>(this.container, tenantId, tenantId);
      if (stored === undefined) {
        if (await createIfAbsent(this.container, await next(undefined))) return;
        continue;
      }
      const value = await next(withoutSystemProperties(stored));
      try {
        await this.container.item(tenantId, tenantId).replace(value, { accessCondition: { type: 'IfMatch', condition: stored._etag! } });
        return;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 412 && status !== 404) throw error;
      }
    }
    throw new Error(`token cache for ${tenantId}: too many concurrent writers`);
  }
}
