import type { Container } from '@azure/cosmos';
import { createHash } from 'node:crypto';
import { readItem, statusOf, withoutSystemProperties } from './conditionalWrite';

/**
 * One document per tenant and admin email naming the invitation that is pending for them. The store
 * enforces "one pending invitation per tenant and email": concurrent invites race on creating (or
 * replacing, conditional on its `_etag`) this one document, not on a check-then-create.
 */
export interface PendingInvitationGuard {
  readonly id: string;
  readonly tenantId: string;
  readonly invitationId: string;
  readonly claimedAt: string;
}

export type StoredGuard = { guard: PendingInvitationGuard; etag: string };

/** Mailboxes are case-insensitive; the address itself is not the id (ids show up in logs and URLs). */
export const guardIdFor = (email: string) => `pending-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 40)}`;

export class PendingInvitationGuards {
  constructor(private readonly container: Container) {}

  async read(tenantId: string, email: string): Promise<StoredGuard | undefined> {
    const doc = await readItem<PendingInvitationGuard>(this.container, guardIdFor(email), tenantId);
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
