import type { Container } from '@azure/cosmos';
import { createIfAbsent, withoutSystemProperties } from './conditionalWrite';

/** Events about the provider itself (staff changes, refusals) live in this partition. */
export const PROVIDER_PARTITION = 'provider';

export interface AuditEvent {
  /** Deterministic where a retried request must not write twice. */
  readonly id: string;
  readonly tenantId: string;
  readonly at: string;
  readonly actor: { readonly aadObjectId: string; readonly name?: string; readonly tenantId?: string };
  readonly action: string;
  readonly outcome: 'ok' | 'denied' | 'rejected' | 'failed';
  readonly target?: string;
  readonly detail?: string;
  readonly correlationId?: string;
}

/** Append-only: there is no update or delete. */
export class AuditRepository {
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
