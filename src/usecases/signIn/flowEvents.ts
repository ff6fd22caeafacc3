import type { Invitation } from '../../domain/invitation';

export type FlowEventKind =
  | 'opened'
  | 'sign_in_started'
  | 'approval_requested'
  | 'consent_granted'
  | 'consent_declined'
  | 'token_acquired'
  | 'activated'
  | 'failed'
  | 'interrupted';

/** Something staff should hear about. The invitation is as stored after the change. */
export interface FlowEvent {
  readonly kind: FlowEventKind;
  readonly invitation: Invitation;
  /** For approval_requested: the link the admin forwards to their consent reviewer. */
  readonly reviewLink?: string;
  readonly detail?: string;
}
