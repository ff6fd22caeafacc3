import type { Container } from '@azure/cosmos';
import type { StoredTokenCache, TokenCacheDocs } from '../../usecases/ports';
import { createIfAbsent, Mutation, readItem, updateIfMatch, withoutSystemProperties } from './conditionalWrite';

export type { StoredTokenCache } from '../../usecases/ports';

export class TokenCacheRepository implements TokenCacheDocs {
  constructor(private readonly container: Container) {}

  async get(tenantId: string): Promise<StoredTokenCache | undefined> {
    const doc = await readItem<StoredTokenCache>(this.container, tenantId, tenantId);
    return doc && withoutSystemProperties(doc);
  }

  async put(doc: StoredTokenCache): Promise<void> {
    await this.container.items.upsert(doc);
  }

  /**
   * Read → change → write conditional on the `_etag` (create when there is none yet), so two
   * sign-ins for one tenant finishing together cannot drop each other's tokens.
   */
  async change(tenantId: string, next: (current: StoredTokenCache | undefined) => StoredTokenCache): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(tenantId);
      if (current === undefined) {
        if (await createIfAbsent(this.container, next(undefined))) return;
        continue;
      }
      const outcome = await updateIfMatch<StoredTokenCache>(this.container, tenantId, tenantId, (cur): Mutation<StoredTokenCache, never> => ({ ok: true, value: next(cur) }), 1);
      if (outcome.ok) return;
    }
    throw new Error(`token cache for ${tenantId}: too many concurrent writers`);
  }
}
