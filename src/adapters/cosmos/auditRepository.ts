import type { Container } from '@azure/cosmos';
import type { AuditEvent, AuditLog } from '../../usecases/ports';
import { createIfAbsent, withoutSystemProperties } from './conditionalWrite';


/** Append-only: there is no update or delete. */
export class AuditRepository implements AuditLog {
  constructor(private readonly container: Container) {}

  async append(event: AuditEvent): Promise<void> {
    await createIfAbsent(this.container, event);
  }

  async listForTenant(tenantId: string, limit = 50): Promise<AuditEvent[]> {
    const { resources } = await this.container.items
      .query<AuditEvent>(
        { query: 'SELECT TOP @limit * FROM c WHERE c.tenantId = @t ORDER BY c.at DESC', parameters: [{ name: '@t', value: tenantId }, { name: '@limit', value: limit }] },
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
  }
}
