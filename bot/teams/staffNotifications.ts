import { quoted } from '../../src/domain/plainText';
import type { Audience } from '../../src/domain/audience';
import { personalConversationKey } from './conversationTracker';
import { renderStaffUpdate, type Tone } from '../../cards';
import type { Clock } from '../../src/clock';
import { effectiveStatus, type FlowError } from '../../src/domain/invitation';
import type { Logger } from '../../src/log';
import type { FlowEvent, FlowEventKind } from '../../src/usecases/signIn/flowEvents';
import type { NoticeDestination, Notifications } from '../../src/usecases/ports';
import { deliver, type Notifier } from './notifier';
import { formatUtc, statusWords } from '../presentation/views';

const WORDS: Record<FlowEventKind, { title: string; color: Tone; text: (e: FlowEvent) => string }> = {
  opened: { title: 'invitation opened', color: 'default', text: (e) => `${quoted(e.invitation.email)} opened the invitation link.` },
  sign_in_started: { title: 'sign-in started', color: 'default', text: (e) => `${quoted(e.invitation.email)} got a sign-in code and is signing in.` },
  approval_requested: { title: 'admin approval requested', color: 'accent', text: (e) => `Sign-in needs an Admin Consent Reviewer's approval in the customer's tenant. ${quoted(e.invitation.email)} has the reviewer link; you can also forward it.` },
  consent_granted: { title: 'admin consent granted', color: 'good', text: (e) => `${e.detail ?? 'The reviewer granted admin consent.'} ${quoted(e.invitation.email)} can now sign in again.` },
  consent_declined: { title: 'admin consent declined', color: 'attention', text: () => 'The reviewer declined the request. Talk to the customer, then resend the invitation.' },
  token_acquired: { title: 'token acquired', color: 'good', text: (e) => `A token was acquired${e.detail ? ` (${e.detail})` : ''}.` },
  activated: { title: 'tenant activated', color: 'good', text: (e) => `Token authentication is active for this tenant${e.detail ? `; note: ${e.detail}` : ''}.` },
  failed: { title: 'sign-in failed', color: 'attention', text: (e) => failedText(e) },
  interrupted: { title: 'sign-in interrupted', color: 'warning', text: () => 'The service restarted while the admin was signing in. Their page offers Start again.' },
};

/** Our side's failures name the cause for staff; Microsoft's say it is worth retrying; Entra's quote the table. */
function failedText(e: FlowEvent): string {
  const error = e.invitation.lastError;
  if (!error) return 'The sign-in did not complete.';
  const detail = (error.staffDetail ?? error.code).replace(/\.$/, '');
  if (error.side === 'ours') return `Sign-in could not go ahead because of our service's setup, not the customer's: ${detail}. The customer was told the service is not set up correctly and that you have been told.`;
  if (error.side === 'microsoft') return `Microsoft's sign-in service did not answer (${detail}). The customer was asked to try again in a few minutes.`;
  return [error.title, error.cause, error.nextStepText].filter(Boolean).join(' ');
}

function referenceOf(error: FlowError): string {
  if (error.side === 'ours' || error.side === 'microsoft') return `Reference: ${error.correlationId ?? error.code} (in the service log)`;
  return `Entra: ${error.code}${error.traceId ? ` · trace ${error.traceId}` : ''}`;
}

/** A staff member is reached in their own chat with the bot; a place at the address it was given. */
function destinationsOf(audience: Audience | undefined): NoticeDestination[] {
  if (!audience) return [];
  return [{ kind: 'conversation', conversationId: audience.kind === 'staff-member' ? personalConversationKey(audience.aadObjectId) : audience.address }];
}

/**
 * Tells the invitation's audience (the inviting staff member's chat with the bot, or the place they
 * invited from) about each step of a customer's sign-in, with the next action as a button.
 */
export function staffNotifications(notifier: Notifier, clock: Clock, logger: Logger): Notifications {
  return { flowEvent: (event) => tellStaff(event, notifier, clock, logger) };
}

async function tellStaff(event: FlowEvent, notifier: Notifier, clock: Clock, logger: Logger): Promise<void> {
  const inv = event.invitation;
  const words = WORDS[event.kind];
  const status = effectiveStatus(inv, clock.now());
  const card = renderStaffUpdate({
    tenantName: quoted(inv.tenantName),
    tenantId: inv.tenantId,
    title: words.title,
    text: words.text(event),
    color: words.color,
    invitationId: inv.id,
    email: quoted(inv.email),
    status: statusWords(status, inv.failureReason),
    at: formatUtc(clock.now().toISOString()),
    reviewLink: event.reviewLink ?? '',
    reference: inv.lastError && event.kind === 'failed' ? referenceOf(inv.lastError) : '',
    canResend: ['failed', 'interrupted', 'consent_declined'].includes(event.kind),
    sentCount: inv.sentCount,
  });
  for (const destination of destinationsOf(inv.audience)) {
    const result = await deliver(notifier, destination, card);
    if (!result.ok) logger.warn({ event: 'staff-notification.undelivered', kind: event.kind, invitationId: inv.id, reason: result.reason }, 'staff notification not delivered');
  }
}
