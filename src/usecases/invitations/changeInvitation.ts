import { DAY_MS } from '../../clock';
import { newLinkToken } from '../linkToken';
import { applyEvent, effectiveStatus, Invitation, InvitationStatus } from '../../domain/invitation';
import type { Actor } from '../../domain/staff';
import { inviteLink } from './customerLinks';
import type { OnboardingDeps } from './onboardingDeps';

export interface ChangeInput {
  readonly invitationId: string;
  readonly actor: Actor;
  readonly requestKey: string;
  /** From a card button: the `sentCount` the card showed. A different one means the card is stale. */
  readonly expectedSentCount?: number;
}

export type ChangeFailure =
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'not-allowed'; status: InvitationStatus; invitation: Invitation }
  | { ok: false; reason: 'stale-card'; invitation: Invitation }
  | { ok: false; reason: 'conflict' };

export type ResendResult = { ok: true; invitation: Invitation; link: string } | ChangeFailure;
export type RevokeResult = { ok: true; invitation: Invitation } | ChangeFailure;

type Rejection = { reason: 'not-allowed'; status: InvitationStatus; invitation: Invitation } | { reason: 'stale-card'; invitation: Invitation };

/** The shared shape of resend and revoke: find, check the card is current, apply one event. */
async function change(
  deps: OnboardingDeps,
  input: ChangeInput,
  action: string,
  mutate: (inv: Invitation, now: Date) => { ok: true; value: Invitation } | { ok: false; failure: Rejection },
): Promise<{ ok: true; invitation: Invitation } | ChangeFailure> {
  const found = await deps.invitations.findById(input.invitationId);
  if (!found) return { ok: false, reason: 'not-found' };
  const now = deps.clock.now();
  const outcome = await deps.invitations.update<Rejection>(found.tenantId, found.id, (current) => {
    if (input.expectedSentCount !== undefined && current.sentCount !== input.expectedSentCount) {
      return { ok: false, failure: { reason: 'stale-card', invitation: current } };
    }
    return mutate(current, now);
  });
  if (!outcome.ok) {
    if (outcome.reason === 'rejected') {
      await deps.audit({ actor: input.actor, action, outcome: 'rejected', tenantId: found.tenantId, target: found.id, detail: outcome.failure.reason, requestKey: input.requestKey });
      return { ok: false, ...outcome.failure };
    }
    return { ok: false, reason: outcome.reason };
  }
  // The link changed: the sign-in under way (if any) must not finish. Here at once; on another
  // instance at its next poll, which sees the changed flow in the store.
  deps.flows.cancel(found.id);
  await deps.audit({ actor: input.actor, action, outcome: 'ok', tenantId: found.tenantId, target: found.id, requestKey: input.requestKey });
  return { ok: true, invitation: outcome.value };
}

/** Issues a new link (the old one stops working), extends the expiry, counts the send. */
export async function resendInvitation(deps: OnboardingDeps, input: ChangeInput): Promise<ResendResult> {
  let link = '';
  const result = await change(deps, input, 'invitation.resend', (inv, now) => {
    const applied = applyEvent(inv, 'reissue', now, { by: input.actor.aadObjectId, detail: 'resent' });
    if (!applied.ok) return { ok: false, failure: { reason: 'not-allowed', status: effectiveStatus(inv, now), invitation: inv } };
    const { token, hash } = newLinkToken(deps.random);
    link = inviteLink(deps.publicBaseUrl, token);
    return {
      ok: true,
      value: {
        ...applied.invitation,
        // A new link starts the customer side over: no flow, consent request or error carries across.
        flow: undefined,
        consent: undefined,
        lastError: undefined,
        tokenHash: hash,
        sentCount: inv.sentCount + 1,
        lastSentAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + deps.invitationTtlDays * DAY_MS).toISOString(),
      },
    };
  });
  return result.ok ? { ...result, link } : result;
}

/** The link stops working at once; the invitation is kept, as revoked, for the record. */
export function revokeInvitation(deps: OnboardingDeps, input: ChangeInput): Promise<RevokeResult> {
  return change(deps, input, 'invitation.revoke', (inv, now) => {
    const applied = applyEvent(inv, 'revoke', now, { by: input.actor.aadObjectId });
    return applied.ok
      ? { ok: true, value: applied.invitation }
      : { ok: false, failure: { reason: 'not-allowed', status: effectiveStatus(inv, now), invitation: inv } };
  });
}
