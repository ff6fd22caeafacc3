import { actorOf } from '../turnActor';
import { authorizeStaff } from '../../../src/usecases/staff/authorizeStaff';
import { TeamsInfo, TurnContext } from 'botbuilder';
import { CardAttachment, renderFlowStatus } from '../../../cards';
import { VERBS } from '../../../cards/verbs';
import { parseInvitationId } from '../../../src/domain/inputs';
import { effectiveStatus, Invitation } from '../../../src/domain/invitation';
import { CustomerViewSettings, customerScreen, reviewerScreen } from '../../presentation/customerView';
import { forTeams } from '../customerTeamsCard';
import type { BotServices } from '../services';
import { statusWords } from '../../presentation/views';

export type CustomerActionAnswer = { card: CardAttachment } | { message: string };

/** The invited admin is recognized by the email or UPN Teams knows for the person pressing. */
async function isInvitedAdmin(context: TurnContext, inv: Invitation): Promise<boolean> {
  const from = context.activity.from;
  try {
    const member = await TeamsInfo.getMember(context, from.id);
    // A profile email is not verified by Entra, so the person must also belong to the invited tenant
    // (in a shared channel, members of other organizations take part too).
    if (member.tenantId && member.tenantId.toLowerCase() !== inv.tenantId) return false;
    const names = [member.userPrincipalName, member.email].filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase());
    return names.includes(inv.email.toLowerCase());
  } catch {
    return false;
  }
}

/** Everyone but the invited admin sees who is signing in, never the code. */
function waitingCard(inv: Invitation, now: Date, adminUserId?: string): CardAttachment {
  const status = effectiveStatus(inv, now);
  const card = renderFlowStatus({
    tenantName: inv.tenantName,
    title: status === 'activated' ? 'Tenant activated' : `Waiting for ${inv.email}`,
    text: status === 'activated' ? 'Delegated access is in place.' : `Only ${inv.email} can see the sign-in code on this card. Status: ${statusWords(status, inv.failureReason)}.`,
    color: status === 'activated' ? 'good' : 'default',
    cause: '',
    nextStep: '',
    reviewLink: '',
    reference: '',
    actionTitle: status === 'activated' ? '' : 'Refresh',
    actionVerb: VERBS.refreshFlow,
  });
  return forTeams(card, inv.id, adminUserId ? { userIds: [adminUserId], verb: VERBS.refreshFlow } : undefined);
}

/**
 * The customer's side of an invitation posted into a Teams conversation (`invite … here`). The same
 * flow and cards as the invitation page; only the invited admin can start it and see the code.
 */
export async function answerCustomerAction(services: BotServices, settings: CustomerViewSettings, context: TurnContext, verb: string, data: unknown): Promise<CustomerActionAnswer> {
  const id = parseInvitationId(String((data as { invitationId?: unknown } | undefined)?.invitationId ?? ''));
  if (!id.ok) return { message: 'This card is missing its invitation. Ask your provider to post it again.' };
  let inv = await services.invitations.findById(id.value);
  const now = services.clock.now();
  if (!inv || ['expired', 'revoked'].includes(effectiveStatus(inv, now))) return { message: 'This invitation is no longer valid. Ask your provider for a new one.' };

  const admin = await isInvitedAdmin(context, inv);
  const adminUserId = admin ? context.activity.from.id : undefined;

  if (verb === VERBS.portalApproved) {
    if (!admin) return { message: `Only ${inv.email} can confirm the approval here; the reviewer can use the review card's link.` };
    if (inv.status === 'consent_pending') inv = (await services.flows.confirmPortalApproval(inv)) ?? inv;
    return { card: waitingCard(inv, now, adminUserId) };
  }
  if (verb === VERBS.startSignIn) {
    if (!admin) return { message: `Only ${inv.email} can start this sign-in.` };
    const started = await services.flows.startFor(inv);
    if (!started.ok) return { message: 'This invitation is no longer valid. Ask your provider for a new one.' };
    inv = started.invitation;
  }
  if (verb === VERBS.postReviewCard) {
    if (!admin || inv.status !== 'consent_pending') return { message: 'There is no consent request to post.' };
    const reviewToken = await services.flows.reviewTokenOf(inv);
    if (!reviewToken) return { message: 'The reviewer link is not available; use the invitation page.' };
    await context.sendActivity({ attachments: [forTeams(reviewerScreen(inv, reviewToken, settings).card, inv.id)] });
    return { message: 'The consent review card was posted for your reviewer.' };
  }
  if (!admin) {
    // Who was invited and how far they got is for the invited admin, the members of a conversation
    // the card was posted in, and the provider's staff: not for anyone who guesses an invitation id.
    const postedHere = inv.postedIn?.includes(channelOf(context.activity.conversation?.id ?? '')) ?? false;
    const staff = postedHere ? undefined : await authorizeStaff(services.staff, services.policy, actorOf(context), 'viewer');
    if (!postedHere && !staff?.ok) return { message: 'This card is for the invited administrator. Nothing to do here.' };
    return { card: waitingCard(inv, now) };
  }
  const screen = customerScreen(inv, { userCode: await services.flows.userCodeOf(inv), reviewLink: await services.flows.reviewLinkOf(inv), canPostReviewCard: true }, settings, now);
  const personal = forTeams(screen.card, inv.id, { userIds: [context.activity.from.id], verb: VERBS.refreshFlow });
  return { card: personal };
}

/** A channel thread (`19:…;messageid=…`) belongs to its channel: every member of it can see the card. */
const channelOf = (conversationId: string) => conversationId.split(';')[0];

/** Remembers where the customer card went, so that conversation's members may refresh it. */
export async function recordPostedIn(services: BotServices, inv: Invitation, threadId: string | undefined): Promise<void> {
  const conversationId = threadId && channelOf(threadId);
  if (!conversationId || inv.postedIn?.includes(conversationId)) return;
  await services.invitations.update(inv.tenantId, inv.id, (cur) => ({ ok: true, value: { ...cur, postedIn: [...(cur.postedIn ?? []), conversationId].slice(-20) } }));
}

/** The card `invite … here` (or the staff card's button) posts for the customer admin. */
export function invitationCardForTeams(inv: Invitation, settings: CustomerViewSettings, now: Date): CardAttachment {
  return forTeams(customerScreen(inv, {}, settings, now).card, inv.id);
}
