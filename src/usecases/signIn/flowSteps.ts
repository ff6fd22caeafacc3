import type { Invitation, InvitationEvent } from '../../domain/invitation';
import { applyEvent } from '../../domain/invitation';
import type { AuditActor } from '../../domain/staff';
import type { Mutation } from '../ports';
import type { FlowEvent, FlowEventKind } from './flowEvents';
import type { SignInDeps } from './signInDeps';

/** The customer is not a staff member: audit events name them by the invitation. */
const customerActor = (inv: Invitation): AuditActor => ({ kind: 'customer-admin', email: inv.email, tenantId: inv.tenantId });

type StepExtra = { by?: string; detail?: string; failureReason?: string };

/** The writes every step of a sign-in makes: one event through the transition table, and the word to staff. */
export interface FlowSteps {
  apply(inv: Invitation, event: InvitationEvent, extra: StepExtra, also?: (i: Invitation) => Invitation): Promise<Invitation | undefined>;
  applyIf(inv: Invitation, guard: (cur: Invitation) => boolean, event: InvitationEvent, extra: StepExtra, also?: (i: Invitation) => Invitation): Promise<Invitation | undefined>;
  emit(kind: FlowEventKind, invitation: Invitation, extra?: Omit<FlowEvent, 'kind' | 'invitation'>): Promise<void>;
}

export function flowSteps(deps: Pick<SignInDeps, 'invitations' | 'clock' | 'logger' | 'audit' | 'notifications'>): FlowSteps {
  return {
    /** Applies one event with a conditional write; undefined when it no longer applies. */
    async apply(inv: Invitation, event: InvitationEvent, extra: StepExtra, also: (i: Invitation) => Invitation = (i) => i): Promise<Invitation | undefined> {
      return this.applyIf(inv, () => true, event, extra, also);
    },

    /** The same, only while `guard` holds on the current document (a flow still ours, an activation still current). */
    async applyIf(inv: Invitation, guard: (cur: Invitation) => boolean, event: InvitationEvent, extra: StepExtra, also: (i: Invitation) => Invitation = (i) => i): Promise<Invitation | undefined> {
      const now = deps.clock.now();
      const result = await deps.invitations.update<'skip'>(inv.tenantId, inv.id, (cur): Mutation<Invitation, 'skip'> => {
        if (!guard(cur)) return { ok: false, failure: 'skip' };
        const applied = applyEvent(cur, event, now, extra);
        return applied.ok ? { ok: true, value: also(applied.invitation) } : { ok: false, failure: 'skip' };
      });
      if (!result.ok) return undefined;
      deps.logger.info({ event: `invitation.${event}`, invitationId: inv.id, tenantId: inv.tenantId, status: result.value.status }, 'invitation changed');
      return result.value;
    },

    /** Every step of the customer's side is audited (who, what, when, tenant) and told to staff. */
    async emit(kind: FlowEventKind, invitation: Invitation, extra: Omit<FlowEvent, 'kind' | 'invitation'> = {}): Promise<void> {
      try {
        const reviewerStep = kind === 'consent_granted' || kind === 'consent_declined';
        await deps.audit({
          actor: reviewerStep ? { kind: 'reviewer', tenantId: invitation.tenantId, tenantName: invitation.tenantName } : customerActor(invitation),
          action: `invitation.${kind}`,
          outcome: kind === 'failed' || kind === 'consent_declined' || kind === 'interrupted' ? 'failed' : 'ok',
          tenantId: invitation.tenantId,
          target: invitation.id,
          detail: extra.detail ?? invitation.lastError?.code,
          // One event per step: the history length tells repeated steps (a second sign-in) apart.
          requestKey: `${invitation.id}|${kind}|${invitation.history.length}`,
        });
      } catch (error) {
        deps.logger.warn({ event: 'flow.audit-failed', kind, invitationId: invitation.id, err: error }, 'could not audit a flow step');
      }
      try {
        await deps.notifications.flowEvent({ kind, invitation, ...extra });
      } catch (error) {
        deps.logger.warn({ event: 'flow.notify-failed', kind, invitationId: invitation.id, err: error }, 'could not tell staff');
      }
    }
  };
}
