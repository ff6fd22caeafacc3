import type { Container } from '@azure/cosmos';
import type { ValidationRecord } from '../../domain/validation';
import type { ValidationStore } from '../../usecases/ports';
import { createIfAbsent, withoutSystemProperties } from './conditionalWrite';

/**
 * The validation history, one partition per tenant. Each record carries its own `ttl`, so Cosmos DB
 * deletes it after the retention (the container has TTL on); reading does not rely on that: it
 * takes only the newest `limit` and none older than `since`.
 */
export class ValidationRepository implements ValidationStore {
  constructor(private readonly container: Container) {}

  async append(record: ValidationRecord): Promise<void> {
    await createIfAbsent(this.container, record);
  }

  async listForTenant(tenantId: string, { since, limit }: { since: string; limit: number }): Promise<ValidationRecord[]> {
    const { resources } = await this.container.items
      .query<ValidationRecord>(
        {
          query: 'SELECT TOP @limit * FROM c WHERE c.tenantId = @t AND c.startedAt >= @since ORDER BY c.startedAt DESC',
          parameters: [
            { name: '@t', value: tenantId },
            { name: '@since', value: since },
            { name: '@limit', value: limit },
          ],
        },
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
  }
}
