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
  // The callback is Entra's answer; the admin center button is only what someone says. Either way the second sign-in proves it.
  consent_granted: {
    title: 'admin consent reported',
    color: 'good',
    text: (e) =>
      e.invitation.consent?.via === 'portal'
        ? `${e.detail ?? "The customer's admin says the request was approved in the Microsoft Entra admin center; not confirmed yet."} The next sign-in of ${quoted(e.invitation.email)} checks it: the tenant is activated only if Microsoft lets it through, otherwise they are asked for approval again.`
        : `${e.detail ?? 'Microsoft Entra reported that the reviewer granted admin consent.'} ${quoted(e.invitation.email)} can now sign in again to finish.`,
  },
  consent_declined: { title: 'admin consent declined', color: 'attention', text: () => 'The reviewer declined the request. Talk to the customer, then resend the invitation.' },
  token_acquired: { title: 'token acquired', color: 'good', text: (e) => `A token was acquired${e.detail ? ` (${e.detail})` : ''}.` },
  activated: { title: 'tenant activated', color: 'good', text: (e) => `Token authentication is active for this tenant${e.detail ? `; note: ${e.detail}` : ''}.` },
  failed: { title: 'sign-in failed', color: 'attention', text: (e) => failedWords(e).text },
  interrupted: { title: 'sign-in interrupted', color: 'warning', text: () => 'The service restarted while the admin was signing in. Their page offers Start again.' },
};

/** What staff can do about a failed sign-in, by the next step the customer was given. */
const STAFF_CAN: Record<string, string> = {
  'new-code': 'Nothing yet: they can press New code on their page. Resend only if the link is lost.',
  retry: 'Nothing yet: their page lets them try again. If it keeps failing, resend the invitation.',
  'use-another-account': 'Tell them which account to use: an administrator of the invited tenant. Their page offers Start again.',
  'request-approval': "Tell them to request approval; their page then gives them a link for their Admin Consent Reviewer.",
  'wait-for-approval': "Ask them to chase their Admin Consent Reviewer; the reviewer link is on their page.",
  'contact-admin': "The customer's IT has to change a setting (a policy or an assignment) first. Tell them what the page says, then resend.",
  reinvite: 'Send a new invitation: the saved sign-in is gone.',
  'check-configuration': "Check this service's app registration and settings; the customer cannot fix this.",
  'sign-in-again': 'Ask them to start again and sign in with the same account.',
};

/** What happened at the customer, what staff can do, what the customer was told: in three places, in staff words. */
function failedWords(e: FlowEvent): { text: string; advice: string; customerSaw: string } {
  const error = e.invitation.lastError;
  const who = quoted(e.invitation.email);
  if (!error) return { text: `The sign-in of ${who} did not complete.`, advice: 'Resend the invitation.', customerSaw: '' };
  const detail = (error.staffDetail ?? error.code).replace(/\.$/, '');
  if (error.side === 'ours') {
    return {
      text: `The sign-in of ${who} could not go ahead because of this service's setup, not the customer's: ${detail}.`,
      advice: "Fix the setup (the reference is in the service log), then resend the invitation.",
      customerSaw: 'The service is not set up correctly; their provider has been told.',
    };
  }
  if (error.side === 'microsoft') {
    return {
      text: `Microsoft's sign-in service did not answer during the sign-in of ${who} (${detail}).`,
      advice: 'Nothing to fix on either side: they were asked to try again in a few minutes.',
      customerSaw: 'Microsoft did not answer; try again in a few minutes.',
    };
  }
  // Entra's own answers carry an AADSTS code or a trace id; our checks after a good sign-in (the wrong tenant) do not.
  const fromEntra = /^AADSTS\d+$/.test(error.code) || error.traceId !== undefined;
  return {
    text: fromEntra ? `Microsoft Entra refused the sign-in of ${who}: ${error.title}.` : `The sign-in of ${who} did not complete: ${error.title}.`,
    advice: STAFF_CAN[error.nextStep] ?? 'Resend the invitation when the customer is ready.',
    customerSaw: [error.cause, error.nextStepText].filter(Boolean).join(' '),
  };
}

/** The ids a failure names, each with its label, so staff can quote the right one. */
function idsOf(error: FlowError): { title: string; value: string }[] {
  if (error.side === 'ours' || error.side === 'microsoft') return [{ title: 'Reference (service log)', value: error.correlationId ?? error.code }];
  if (!/^AADSTS\d+$/.test(error.code) && error.traceId === undefined) return [];
  return [
    { title: 'Entra error', value: error.code },
    ...(error.traceId ? [{ title: 'Trace ID', value: error.traceId }] : []),
    ...(error.correlationId ? [{ title: 'Correlation ID', value: error.correlationId }] : []),
  ];
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
    ...(event.kind === 'failed' ? { advice: failedWords(event).advice, customerSaw: failedWords(event).customerSaw, ids: inv.lastError ? idsOf(inv.lastError) : [] } : {}),
    canResend: ['failed', 'interrupted', 'consent_declined'].includes(event.kind),
    sentCount: inv.sentCount,
    canValidate: event.kind === 'activated',
  });
  for (const destination of destinationsOf(inv.audience)) {
    const result = await deliver(notifier, destination, card);
    if (!result.ok) logger.warn({ event: 'staff-notification.undelivered', kind: event.kind, invitationId: inv.id, reason: result.reason }, 'staff notification not delivered');
  }
}
