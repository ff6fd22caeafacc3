import { effectiveStatus, type FlowError, type Invitation, type InvitationStatus } from './invitation';

/**
 * How far a tenant's onboarding has got, from its invitations: kept apart from the tenant's current
 * authentication, so four failed sign-ins say "onboarding failed" without touching a working token,
 * and a tenant invited for token authentication never reads as anything it is not.
 */
export type OnboardingState = 'none' | 'invited' | 'signing_in' | 'approval_pending' | 'failed' | 'expired' | 'revoked' | 'completed';

export interface Onboarding {
  readonly state: OnboardingState;
  /** When the latest invitation last changed. */
  readonly at?: string;
  readonly invitationId?: string;
  readonly email?: string;
  /** For `failed`: the last error, as the invitation explains it. */
  readonly error?: Pick<FlowError, 'code' | 'title'>;
}

const STATE_OF: Record<InvitationStatus, OnboardingState> = {
  created: 'invited',
  opened: 'invited',
  signing_in: 'signing_in',
  token_acquired: 'signing_in',
  consent_pending: 'approval_pending',
  consent_granted: 'approval_pending',
  activated: 'completed',
  failed: 'failed',
  interrupted: 'failed',
  expired: 'expired',
  revoked: 'revoked',
};

const lastChangeOf = (inv: Invitation) => inv.history[inv.history.length - 1]?.at ?? inv.createdAt;

/** The latest invitation decides; with none, there is no onboarding. */
export function onboardingOf(invitations: readonly Invitation[], now: Date): Onboarding {
  const latest = [...invitations].sort((a, b) => lastChangeOf(b).localeCompare(lastChangeOf(a)))[0];
  if (!latest) return { state: 'none' };
  const status = effectiveStatus(latest, now);
  const state = STATE_OF[status];
  return {
    state,
    at: status === 'expired' ? latest.expiresAt : lastChangeOf(latest),
    invitationId: latest.id,
    email: latest.email,
    error: state === 'failed' && latest.lastError ? { code: latest.lastError.code, title: latest.lastError.title } : undefined,
  };
}
