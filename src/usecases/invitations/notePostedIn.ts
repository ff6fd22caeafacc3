import type { Invitation } from '../../domain/invitation';
import type { InvitationStore } from '../ports';

/** Places an invitation keeps: enough for every conversation a staff member posts one card in. */
const MAX_PLACES = 20;

/** Remembers where the customer's card was posted, so members of that place may follow the invitation. */
export async function notePostedIn(deps: { invitations: InvitationStore }, inv: Invitation, place: string): Promise<void> {
  if (!place || inv.postedIn?.includes(place)) return;
  await deps.invitations.update(inv.tenantId, inv.id, (cur) =>
    cur.postedIn?.includes(place) ? { ok: false, failure: 'already' as const } : { ok: true, value: { ...cur, postedIn: [...(cur.postedIn ?? []), place].slice(-MAX_PLACES) } },
  );
}
