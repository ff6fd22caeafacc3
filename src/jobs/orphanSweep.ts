import type { Invitation } from '../domain/invitation';
import type { InvitationStore } from '../usecases/ports';

/** What the sweep asks of the sign-in use case for each flow in flight. */
export interface OrphanRecovery {
  recoverIfOrphaned(inv: Invitation): Promise<boolean>;
}

/**
 * At start-up and at each lease renewal: every flow in flight whose owner is gone (any instance)
 * is recovered. Each flow is decided on its own fresh document, so instances sweeping at once
 * recover it once. Returns how many were.
 */
export async function sweepOrphans(invitations: Pick<InvitationStore, 'listInFlight'>, flows: OrphanRecovery): Promise<number> {
  let count = 0;
  for (const inv of await invitations.listInFlight()) {
    if (await flows.recoverIfOrphaned(inv)) count++;
  }
  return count;
}
