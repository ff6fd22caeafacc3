import { quoted } from '../../../src/domain/plainText';
import { isPersonalChat } from '../turnActor';
import type { Audience } from '../../../src/domain/audience';
import { renderInvitation, renderMessage } from '../../../cards';
import { clip, parseEmail, parseTenantRef, Parsed, TenantRef } from '../../../src/domain/inputs';
import type { InvitationVariant } from '../../../src/domain/invitation';
import { formatUtc, invitationCard } from '../../presentation/views';
import type { InviteResult } from '../../../src/usecases/invitations/inviteAdmin';
import { command, type BotServices } from '../services';
import type { TurnContext } from 'botbuilder';
import { invitationCardForTeams, placeOf } from './customerActions';
import type { CardAttachment } from '../../../cards';

/** The invitation-created card's "Post for the admin here" button. */
export async function postInvitationHere(services: BotServices, context: TurnContext, invitationId: string): Promise<CardAttachment> {
  const inv = await services.invitations.find(invitationId);
  const now = services.clock.now();
  if (!inv) return renderMessage({ title: 'No such invitation', text: `There is no invitation ${invitationId}.`, tone: 'warning' });
  if (isPersonalChat(context)) {
    return renderMessage({ title: 'Post it where the admin is', text: "In this 1:1 chat only you would see the customer's card. Use **invite … here** or this button in the channel or group chat the customer's admin is in.", tone: 'warning' });
  }
  await services.invitations.notePostedIn(inv, placeOf(context.activity.conversation?.id));
  await context.sendActivity({ attachments: [invitationCardForTeams(inv, services.customerView, now)] });
  return renderInvitation(invitationCard(inv, now, 'Invitation posted', `The card for ${quoted(inv.email)} was posted in this conversation; only they can start the sign-in.`, '', { shared: true }));
}

/**
 * Who follows the invitation: from a 1:1 chat, or with "here" (the conversation includes the
 * customer), the inviter in their own chat; from a channel or group chat, that conversation.
 */
function audienceOf(context: TurnContext, aadObjectId: string, here: boolean): Audience {
  const conversation = context.activity.conversation;
  if (here || conversation?.conversationType === 'personal' || !conversation?.id) return { kind: 'staff-member', aadObjectId };
  return { kind: 'place', address: conversation.id };
}

interface InviteArgs {
  tenant: TenantRef;
  email: string;
  variant: InvitationVariant;
  /** Post the customer-facing card into this conversation for the admin (e.g. a shared channel). */
  here: boolean;
}

function parse(words: readonly string[]): Parsed<InviteArgs> {
  // People paste addresses from lists: a comma or semicolon after a word is punctuation, not part of it.
  let args = words.map((w) => w.replace(/[,;]+$/, '')).filter((w) => w.length > 0);
  const here = args.length >= 2 && args[args.length - 1].toLowerCase() === 'here';
  if (here) args = args.slice(0, -1);
  if (args.length === 0) return { ok: false, message: 'Say which tenant and which admin to invite.' };
  if (args.length === 1) {
    if (args[0].includes('@')) return { ok: false, message: 'Say which tenant (its domain or tenant id) before the admin\'s email.' };
    const tenant = parseTenantRef(args[0]);
    return tenant.ok ? { ok: false, message: 'Say which admin to invite (their email).' } : tenant;
  }
  if (args.length > 3) return { ok: false, message: `Too many words: expected a tenant, an email, optionally global or delegated, and optionally here.` };
  const tenant = parseTenantRef(args[0]);
  if (!tenant.ok) return tenant;
  const email = parseEmail(args[1]);
  if (!email.ok) return email;
  const variant = (args[2] ?? 'global').toLowerCase();
  if (variant !== 'global' && variant !== 'delegated') {
    return { ok: false, message: `"${args[2].slice(0, 30)}" is not a variant: use global (a Global admin signs in) or delegated (a service account with admin consent).` };
  }
  return { ok: true, value: { tenant: tenant.value, email: email.value, variant, here } };
}

/** What staff should know about a new invitation before they send the link on. */
function inviteNotes(result: Extract<InviteResult, { ok: true }>, input: InviteArgs): string[] {
  const { tenant } = result;
  const notes: string[] = [];
  const name = clip(tenant.displayName);
  if (result.tenantCreated) notes.push(`New customer tenant ${name} added.`);
  if (result.tenantWasActive) {
    notes.push(`This tenant is already active (token since ${formatUtc(tenant.token?.createdAt)}); a new sign-in replaces nothing until it succeeds.`);
  }
  if (!result.emailDomainKnown) {
    const emailDomain = input.email.slice(input.email.lastIndexOf('@') + 1);
    const known = [...new Set([tenant.domain, input.tenant.kind === 'domain' ? input.tenant.value : undefined].filter((d): d is string => Boolean(d)))];
    notes.push(
      known.length > 0
        ? `The admin's email domain ${quoted(emailDomain)} is none of ${name}'s known domains (${quoted(known.join(', '))}); check the address.`
        : `The admin's email domain ${quoted(emailDomain)} is not a domain we know for ${name} yet (it was invited by its tenant id); check the address.`,
    );
  }
  if (result.auditPending) notes.push('The audit record could not be written yet; it is written the next time this invitation is used.');
  return notes;
}

const USAGE = 'invite <tenant domain or id> <admin email> [global|delegated] [here]';

export const inviteCommand = command<InviteArgs>({
  name: 'invite',
  usage: USAGE,
  description: 'Invite a customer admin to give us delegated access to their tenant.',
  role: 'operator',
  parse,
  async run({ services, actor, requestKey, context }, input) {
    // With "here" the conversation includes the customer: staff notices go to the inviter's own chat instead.
    const audience = audienceOf(context, actor.aadObjectId, input.here);
    const result = await services.invitations.invite({ ...input, actor, requestKey, audience });
    const now = services.clock.now();
    if (result.ok && input.here) {
      // In a conversation the customer admin is in, the link (a credential) is not shown to everyone.
      await services.invitations.notePostedIn(result.invitation, placeOf(context.activity.conversation?.id));
      return invitationCardForTeams(result.invitation, services.customerView, now);
    }
    if (result.ok) {
      return renderInvitation(
        invitationCard(
          result.invitation,
          now,
          'Invitation created',
          inviteNotes(result, input).join(' '),
          result.link,
          { shared: !isPersonalChat(context) },
        ),
      );
    }
    switch (result.reason) {
      case 'tenant-not-found':
        return renderMessage({ title: 'No such Microsoft 365 tenant', text: `Microsoft Entra does not know the tenant "${quoted(input.tenant.value)}". Check the spelling, or use the tenant id (a GUID) from the customer's Entra admin center.`, tone: 'warning', usage: USAGE });
      case 'directory-unavailable':
        return renderMessage({ title: 'Could not check the tenant', text: `Microsoft Entra did not answer when we looked up "${quoted(input.tenant.value)}". Nothing was created. Try again in a minute, or use the tenant id (a GUID).`, tone: 'warning' });
      case 'in-progress':
        return renderMessage({ title: 'Being invited right now', text: `Another invite for ${quoted(input.email)} and this tenant is being created at this moment. See **invitations** in a few seconds.`, tone: 'default' });
      case 'already-pending':
        return renderInvitation(invitationCard(result.existing, now, 'Already invited', `${quoted(input.email)} already has a pending invitation for this tenant. Resend it for a new link, or revoke it first.`, '', { shared: !isPersonalChat(context) }));
      case 'duplicate-request':
        return result.existing
          ? renderInvitation(invitationCard(result.existing, now, 'Invitation already created', 'This request was already handled. The link is shown only once: use Resend for a new one.'))
          : renderMessage({ title: 'Invitation already created', text: 'This request was already handled. See **invitations**.', tone: 'default' });
    }
  },
});
