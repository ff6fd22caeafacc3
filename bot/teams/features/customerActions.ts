import { quoted } from '../../../src/domain/plainText';
import { TeamsInfo, TurnContext } from 'botbuilder';
import { CardAttachment, renderFlowStatus } from '../../../cards';
import { VERBS } from '../../../cards/verbs';
import { parseInvitationId } from '../../../src/domain/inputs';
import { effectiveStatus, Invitation } from '../../../src/domain/invitation';
import type { CustomerRefusal, CustomerVerb } from '../../../src/usecases/signIn/customerAction';
import { CustomerViewSettings, customerScreen, reviewerScreen } from '../../presentation/customerView';
import { statusWords } from '../../presentation/views';
import { forTeams } from '../customerTeamsCard';
import type { BotServices } from '../services';
import { actorOf } from '../turnActor';

export type CustomerActionAnswer = { card: CardAttachment } | { message: string };

/** The customer card's buttons, as the customer-action use case names them. */
const TEAMS_VERBS: ReadonlyMap<string, CustomerVerb> = new Map([
  [VERBS.startSignIn, 'start'],
  [VERBS.refreshFlow, 'refresh'],
  [VERBS.portalApproved, 'portal-approved'],
  [VERBS.postReviewCard, 'post-review-card'],
]);

/** The invited admin is recognized by the email or UPN Teams knows for the person pressing. */
async function isInvitedAdmin(context: TurnContext, inv: Invitation): Promise<boolean> {
  try {
    const member = await TeamsInfo.getMember(context, context.activity.from.id);
    // A profile email is not verified by Entra, so the person must also belong to the invited tenant
    // (in a shared channel, members of other organizations take part too).
    if (member.tenantId && member.tenantId.toLowerCase() !== inv.tenantId) return false;
    const names = [member.userPrincipalName, member.email].filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase());
    return names.includes(inv.email.toLowerCase());
  } catch {
    return false;
  }
}

/** A channel thread (`19:…;messageid=…`) belongs to its channel: every member of it can see the card. */
export const placeOf = (conversationId: string | undefined) => (conversationId ?? '').split(';')[0];

/** Everyone but the invited admin sees who is signing in, never the code. */
function progressCard(inv: Invitation, now: Date): CardAttachment {
  const status = effectiveStatus(inv, now);
  const card = renderFlowStatus({
    tenantName: quoted(inv.tenantName),
    title: status === 'activated' ? 'Tenant activated' : `Waiting for ${quoted(inv.email)}`,
    text: status === 'activated' ? 'Delegated access is in place.' : `Only ${quoted(inv.email)} can see the sign-in code on this card. Status: ${statusWords(status, inv.failureReason)}.`,
    color: status === 'activated' ? 'good' : 'default',
    cause: '',
    nextStep: '',
    reviewLink: '',
    reference: '',
    actionTitle: status === 'activated' ? '' : 'Refresh',
    actionVerb: VERBS.refreshFlow,
  });
  return forTeams(card, inv.id);
}

function refusalText(reason: CustomerRefusal, verb: CustomerVerb, invitedEmail = 'the invited administrator'): string {
  switch (reason) {
    case 'gone':
      return 'This invitation is no longer valid. Ask your provider for a new one.';
    case 'invited-admin-only':
      return verb === 'portal-approved' ? `Only ${invitedEmail} can confirm the approval here; the reviewer can use the review card's link.` : `Only ${invitedEmail} can start this sign-in.`;
    case 'no-consent-request':
      return 'There is no consent request to post.';
    case 'review-link-unavailable':
      return 'The reviewer link is not available; use the invitation page.';
    case 'not-for-you':
      return 'This card is for the invited administrator. Nothing to do here.';
  }
}

/**
 * The customer's side of an invitation posted into a Teams conversation (`invite … here`): the
 * press translated for the customer-action use case, and its answer rendered as the page's cards.
 */
export async function answerCustomerAction(services: BotServices, settings: CustomerViewSettings, context: TurnContext, verb: string, data: unknown): Promise<CustomerActionAnswer> {
  const id = parseInvitationId(String((data as { invitationId?: unknown } | undefined)?.invitationId ?? ''));
  if (!id.ok) return { message: 'This card is missing its invitation. Ask your provider to post it again.' };
  const customerVerb = TEAMS_VERBS.get(verb);
  if (!customerVerb) return { message: 'That button is not known here. Ask your provider to post the card again.' };
  const result = await services.customerAction(customerVerb, {
    via: 'member',
    invitationId: id.value,
    isInvitedAdmin: (inv) => isInvitedAdmin(context, inv),
    place: placeOf(context.activity.conversation?.id),
    actor: actorOf(context),
  });
  if (!result.ok) return { message: refusalText(result.reason, customerVerb, result.invitation?.email) };
  const now = services.clock.now();
  switch (result.show) {
    case 'progress':
      return { card: progressCard(result.invitation, now) };
    case 'review-card':
      await context.sendActivity({ attachments: [forTeams(reviewerScreen(result.invitation, result.reviewToken, settings).card, result.invitation.id)] });
      return { message: 'The consent review card was posted for your reviewer.' };
    case 'admin': {
      const screen = customerScreen(result.invitation, { userCode: result.userCode, reviewLink: result.reviewLink, canPostReviewCard: true }, settings, now);
      return { card: forTeams(screen.card, result.invitation.id, { userIds: [context.activity.from.id], verb: VERBS.refreshFlow }) };
    }
  }
}

/** The card `invite … here` (or the staff card's button) posts for the customer admin. */
export function invitationCardForTeams(inv: Invitation, settings: CustomerViewSettings, now: Date): CardAttachment {
  return forTeams(customerScreen(inv, {}, settings, now).card, inv.id);
}
