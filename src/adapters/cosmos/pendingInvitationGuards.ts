import type { Container } from '@azure/cosmos';
import type { PendingGuardStore, PendingInvitationGuard } from '../../usecases/ports';
import { readItem, statusOf, withoutSystemProperties } from './conditionalWrite';

/** The guard documents of `PendingGuardStore` (see the port), in their own container. */
export class PendingInvitationGuards implements PendingGuardStore {
  constructor(private readonly container: Container) {}

  async read(tenantId: string, guardId: string): Promise<{ guard: PendingInvitationGuard; etag: string } | undefined> {
    const doc = await readItem<PendingInvitationGuard>(this.container, guardId, tenantId);
    return doc && { guard: withoutSystemProperties(doc), etag: doc._etag! };
  }

  /** False when another invite claimed it first. */
  async create(guard: PendingInvitationGuard): Promise<boolean> {
    try {
      await this.container.items.create(guard);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  /** Takes over a stale claim; false when someone else changed it since it was read. */
  async replace(guard: PendingInvitationGuard, etag: string): Promise<boolean> {
    try {
      await this.container.item(guard.id, guard.tenantId).replace(guard, { accessCondition: { type: 'IfMatch', condition: etag } });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) return false;
      throw error;
    }
  }
}
