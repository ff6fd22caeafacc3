import type { EntraErrorInput } from '../../domain/entraErrors';
import type { Invitation, InvitationEvent } from '../../domain/invitation';
import { sha256Hex } from '../linkToken';
import { consentStateFor, reviewLink } from '../invitations/customerLinks';
import { explanationOf } from './explainFailure';
import type { FlowSteps } from './flowSteps';
import { reviewTokenAad } from './sealedSecrets';
import type { SignInDeps } from './signInDeps';

const aadstsCodesIn = (description: string | undefined): number[] =>
  [...(description ?? '').slice(0, 2_000).matchAll(/AADSTS(\d{1,9})/g)].map((m) => Number(m[1])).slice(0, 5);

export interface ConsentAnswer {
  readonly granted: boolean;
  readonly error?: string;
  readonly errorDescription?: string;
  /** The tenant Entra's redirect names: logged when it differs, never trusted. */
  readonly returnedTenant?: string;
}

export type ConsentRecorded = { ok: true; invitation: Invitation } | { ok: false; reason: 'unknown-state' };

/** The delegated variant's admin consent workflow: asking a reviewer, and the reviewer's answer. */
export interface Consent {
  /** The sign-in ended with "admin approval required": the invitation waits for a reviewer, who gets a link. */
  request(inv: Invitation, stillOurs: (cur: Invitation) => boolean, error: EntraErrorInput): Promise<void>;
  /** "Approved in the Microsoft Entra admin center — continue": only what someone says; the next sign-in proves it. */
  confirmPortalApproval(inv: Invitation): Promise<Invitation | undefined>;
  /** The admin consent redirect. The state is single-use and names the invitation; Entra's `tenant` is not trusted. */
  recordAnswer(state: string, answer: ConsentAnswer): Promise<ConsentRecorded>;
}

export function consentWorkflow(deps: Pick<SignInDeps, 'invitations' | 'box' | 'clock' | 'random' | 'logger' | 'publicBaseUrl'>, steps: FlowSteps): Consent {
  return {
    async request(inv, stillOurs, error) {
      const reviewToken = deps.random.token(32);
      const sealedReviewToken = await deps.box.seal(reviewToken, reviewTokenAad(inv.id));
      const now = deps.clock.now();
      const updated = await steps.applyIf(inv, stillOurs, 'require_consent', { detail: error.errorCodes?.join(',') ?? error.error }, (i) => ({
        ...i,
        flow: undefined,
        lastError: explanationOf(error),
        consent: {
          stateHash: sha256Hex(consentStateFor(reviewToken)),
          reviewTokenHash: sha256Hex(reviewToken),
          reviewToken: sealedReviewToken,
          requestedAt: now.toISOString(),
          status: 'pending',
        },
      }));
      if (updated) await steps.emit('approval_requested', updated, { reviewLink: reviewLink(deps.publicBaseUrl, reviewToken) });
    },

    async confirmPortalApproval(inv) {
      const now = deps.clock.now();
      // Anyone holding the invitation or reviewer link can press the button: what is known is that
      // they say so, and that the next sign-in checks it (Entra asks for approval again if not).
      const updated = await steps.apply(inv, 'grant_consent', { by: 'reviewer', detail: 'reported as approved in the Microsoft Entra admin center; not confirmed until the next sign-in' }, (i) => ({
        ...i,
        consent: i.consent && { ...i.consent, status: 'granted', decidedAt: now.toISOString(), via: 'portal' },
      }));
      if (updated) await steps.emit('consent_granted', updated, { detail: "The customer's admin says the request was approved in the Microsoft Entra admin center; not confirmed yet." });
      return updated;
    },

    async recordAnswer(state, answer) {
      const inv = await deps.invitations.findByConsentStateHash(sha256Hex(state));
      if (!inv || inv.status !== 'consent_pending' || inv.consent?.status !== 'pending') return { ok: false, reason: 'unknown-state' };
      if (answer.returnedTenant && answer.returnedTenant.toLowerCase() !== inv.tenantId) {
        deps.logger.warn({ event: 'consent.tenant-mismatch', invitationId: inv.id, tenantId: inv.tenantId }, 'consent callback named another tenant; the invitation decides');
      }
      const now = deps.clock.now();
      const event: InvitationEvent = answer.granted ? 'grant_consent' : 'decline_consent';
      const updated = await steps.apply(inv, event, { by: 'reviewer', detail: answer.granted ? 'admin consent granted' : `declined: ${answer.error ?? 'unknown'}`, failureReason: answer.granted ? undefined : 'admin consent declined' }, (i) => ({
        ...i,
        consent: i.consent && { ...i.consent, status: answer.granted ? 'granted' : 'declined', decidedAt: now.toISOString(), via: 'callback', error: answer.error },
        // Anyone can call the redirect URL, so its description is never quoted: only the AADSTS codes
        // in it are read (65004 when the reviewer cancels) and explained from the table.
        lastError: answer.granted ? undefined : explanationOf({ error: answer.error ?? 'access_denied', errorCodes: aadstsCodesIn(answer.errorDescription) }),
      }));
      if (!updated) return { ok: false, reason: 'unknown-state' };
      await steps.emit(answer.granted ? 'consent_granted' : 'consent_declined', updated);
      return { ok: true, invitation: updated };
    },
  };
}
