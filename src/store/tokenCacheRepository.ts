import type { Container } from '@azure/cosmos';
import type { SealedSecret } from '../crypto/secretBox';
import { readItem, withoutSystemProperties } from './conditionalWrite';

/** One customer tenant's MSAL cache, sealed: refresh tokens never reach Cosmos in plain text. */
export interface StoredTokenCache {
  readonly id: string;
  readonly tenantId: string;
  readonly sealed: SealedSecret;
  readonly updatedAt: string;
}

export class TokenCacheRepository {
  constructor(private readonly container: Container) {}

  async get(tenantId: string): Promise<StoredTokenCache | undefined> {
    const doc = await readItem<StoredTokenCache>(this.container, tenantId, tenantId);
    return doc && withoutSystemProperties(doc);
  }

  async put(doc: StoredTokenCache): Promise<void> {
    await this.container.items.upsert(doc);
  }
}
