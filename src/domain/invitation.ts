import type { Audience } from './audience';
import type { SealedSecret } from './sealedSecret';

/**
 * An invitation asks one customer admin to give the provider delegated access to one tenant.
 * Its life is a state machine: `transition` is the only way to change `status`, and the table
 * below is its documentation.
 */
export type InvitationVariant = 'global' | 'delegated';

export type InvitationStatus =
  | 'created'
  | 'opened'
  | 'signing_in'
  | 'consent_pending'
  | 'consent_granted'
  | 'token_acquired'
  | 'activated'
  | 'expired'
  | 'revoked'
  | 'failed'
  | 'interrupted';

export type InvitationEvent =
  | 'open'
  | 'start_sign_in'
  | 'require_consent'
  | 'grant_consent'
  | 'decline_consent'
  | 'acquire_token'
  | 'activate'
  | 'fail'
  | 'interrupt'
  | 'expire'
  | 'revoke'
  | 'reissue';

const ACTIVE_FLOW: InvitationStatus[] = ['signing_in'];
// token_acquired is live too: if activation cannot finish, staff must still be able to revoke or resend.
const LIVE: InvitationStatus[] = ['created', 'opened', 'signing_in', 'consent_pending', 'consent_granted', 'token_acquired', 'interrupted', 'failed'];

/** event → (from states) → to state. Anything not listed is illegal. */
export const INVITATION_TRANSITIONS: Readonly<Record<InvitationEvent, { from: readonly InvitationStatus[]; to: InvitationStatus }>> = {
  open: { from: ['created'], to: 'opened' },
  start_sign_in: { from: ['created', 'opened', 'consent_granted', 'interrupted', 'failed'], to: 'signing_in' },
  require_consent: { from: ACTIVE_FLOW, to: 'consent_pending' },
  grant_consent: { from: ['consent_pending'], to: 'consent_granted' },
  decline_consent: { from: ['consent_pending'], to: 'failed' },
  acquire_token: { from: ACTIVE_FLOW, to: 'token_acquired' },
  activate: { from: ['token_acquired'], to: 'activated' },
  fail: { from: ['signing_in', 'token_acquired', 'consent_pending'], to: 'failed' },
  interrupt: { from: ACTIVE_FLOW, to: 'interrupted' },
  expire: { from: LIVE, to: 'expired' },
  revoke: { from: LIVE, to: 'revoked' },
  // A resend issues a new link and starts the customer side over; the history keeps the past.
  reissue: { from: [...LIVE, 'expired'], to: 'created' },
};

export type TransitionResult =
  | { ok: true; status: InvitationStatus }
  | { ok: false; reason: 'illegal-transition'; from: InvitationStatus; event: InvitationEvent };

export function transition(from: InvitationStatus, event: InvitationEvent): TransitionResult {
  const rule = INVITATION_TRANSITIONS[event];
  return rule.from.includes(from) ? { ok: true, status: rule.to } : { ok: false, reason: 'illegal-transition', from, event };
}

export const FINAL_STATUSES: readonly InvitationStatus[] = ['activated', 'expired', 'revoked'];

export interface InvitationHistoryEntry {
  readonly at: string;
  readonly event: InvitationEvent | 'create';
  readonly status: InvitationStatus;
  readonly by?: string;
  readonly detail?: string;
}

/** The device-code sign-in under way. The device code itself never leaves the owning process. */
export interface SignInFlow {
  readonly id: string;
  /** The process instance that polls; if it dies, the flow is interrupted at the next start-up. */
  readonly ownerId: string;
  readonly startedAt: string;
  /** Sealed: shown only on the invitation page, never stored or logged in plain text. */
  readonly userCode?: SealedSecret;
  readonly verificationUri?: string;
  readonly codeExpiresAt?: string;
  readonly intervalSeconds?: number;
}

/** The admin consent workflow (delegated variant). Only hashes of the review link and state are kept. */
export interface ConsentState {
  readonly stateHash: string;
  readonly reviewTokenHash: string;
  /** Sealed, so the page, Teams and staff cards can all show the reviewer link. */
  readonly reviewToken: SealedSecret;
  readonly requestedAt: string;
  readonly status: 'pending' | 'granted' | 'declined';
  readonly decidedAt?: string;
  readonly via?: 'callback' | 'portal';
  readonly error?: string;
}

/** What went wrong last, in words for people (from the Entra error table), plus Entra's ids for support. */
export interface FlowError {
  readonly code: string;
  readonly title: string;
  readonly cause: string;
  readonly nextStep: string;
  readonly nextStepText: string;
  /** Whose failure it is: our setup, Microsoft's service, or Entra's answer about this sign-in. */
  readonly side?: 'ours' | 'microsoft' | 'entra';
  /** For staff, when it is ours or Microsoft's: the cause as the process saw it. */
  readonly staffDetail?: string;
  readonly traceId?: string;
  readonly correlationId?: string;
}

export interface Invitation {
  readonly id: string;
  readonly tenantId: string;
  readonly tenantName: string;
  readonly email: string;
  readonly variant: InvitationVariant;
  readonly status: InvitationStatus;
  readonly failureReason?: string;
  /** SHA-256 of the link token (hex). The token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly sentCount: number;
  readonly lastSentAt: string;
  readonly invitedBy: { readonly aadObjectId: string; readonly name?: string; readonly tenantId?: string };
  /** Who follows the flow (the inviting staff member, or the place they invited from). */
  readonly audience?: Audience;
  /** Places (opaque addresses) the customer card was posted in: their members may see who is awaited. */
  readonly postedIn?: readonly string[];
  readonly flow?: SignInFlow;
  readonly consent?: ConsentState;
  readonly lastError?: FlowError;
  /** The account that signed in last (may differ from the invited email: allowed, but noted). */
  readonly signedInAs?: string;
  /** The permissions the token held when the tenant was activated (Entra's answer), for the customer's page. */
  readonly grantedScopes?: readonly string[];
  readonly history: readonly InvitationHistoryEntry[];
}

/** What a person should see: a live invitation past its expiry is expired, whatever is stored. */
export function effectiveStatus(inv: Pick<Invitation, 'status' | 'expiresAt'>, now: Date): InvitationStatus {
  if (INVITATION_TRANSITIONS.expire.from.includes(inv.status) && Date.parse(inv.expiresAt) <= now.getTime()) return 'expired';
  return inv.status;
}

export function isPending(status: InvitationStatus): boolean {
  return !FINAL_STATUSES.includes(status);
}

export const HISTORY_LIMIT = 50;

/** Applies an event, or says why it cannot be applied. Never mutates. */
export function applyEvent(
  inv: Invitation,
  event: InvitationEvent,
  at: Date,
  extra: { by?: string; detail?: string; failureReason?: string } = {},
): { ok: true; invitation: Invitation } | Extract<TransitionResult, { ok: false }> {
  // Expiry is shown from the clock; recording it (`expire`) must work on the stored live state.
  const current = event === 'expire' ? inv.status : effectiveStatus(inv, at);
  const result = transition(current, event);
  if (!result.ok) return result;
  const entry: InvitationHistoryEntry = { at: at.toISOString(), event, status: result.status, by: extra.by, detail: extra.detail };
  return {
    ok: true,
    invitation: {
      ...inv,
      status: result.status,
      failureReason: result.status === 'failed' ? extra.failureReason : undefined,
      history: [...inv.history, entry].slice(-HISTORY_LIMIT),
    },
  };
}
