import { effectiveStatus, Invitation, InvitationStatus, isPending } from '../../domain/invitation';
import type { OnboardingDeps } from './onboardingDeps';

export type InvitationFilter = 'pending' | 'all';

export interface InvitationRow {
  readonly invitation: Invitation;
  /** Expiry applied: what a person should see now. */
  readonly status: InvitationStatus;
}

/** The Customer Invitations view. */
export async function listInvitations(deps: Pick<OnboardingDeps, 'invitations' | 'clock'>, filter: InvitationFilter): Promise<InvitationRow[]> {
  const now = deps.clock.now();
  const rows = (await deps.invitations.listRecent()).map((invitation) => ({ invitation, status: effectiveStatus(invitation, now) }));
  return filter === 'all' ? rows : rows.filter((r) => isPending(r.status));
}
