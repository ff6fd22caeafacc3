import { CardAttachment, InvitationCard, renderInvitation, renderMessage } from '../../../cards';
import type { Invitation } from '../../../src/domain/invitation';
import { quoted } from '../../../src/domain/plainText';
import { isPersonalChat } from '../turnActor';
import { parseInvitationId, Parsed } from '../../../src/domain/inputs';
import type { Actor } from '../../../src/domain/staff';
import type { ChangeInput, ResendResult, RevokeResult } from '../../../src/usecases/invitations/changeInvitation';
import { type BotServices, command } from '../services';
import { invitationCard, statusWords } from '../../presentation/views';

function parseId(args: readonly string[]): Parsed<string> {
  if (args.length !== 1) return { ok: false, message: args.length === 0 ? 'Say which invitation (its id is in **invitations**).' : 'Give exactly one invitation id.' };
  return parseInvitationId(args[0]);
}

/** Shared by the typed commands and the card buttons, so both apply the same checks. */
export async function runInvitationChange(
  services: BotServices,
  kind: 'resend' | 'revoke',
  input: { invitationId: string; actor: Actor; requestKey: string; expectedSentCount?: number },
  /** Where the answer is shown: a channel or group chat may get "Post for the admin here". */
  place: { shared: boolean } = { shared: false },
): Promise<CardAttachment> {
  const change: ChangeInput = input;
  const now = services.clock.now();
  const options = { shared: place.shared };
  let result: ResendResult | RevokeResult;
  if (kind === 'resend') {
    const resent = await services.invitations.resend(change);
    if (resent.ok) {
      return renderInvitation(invitationCard(resent.invitation, now, 'Invitation resent', 'A new link was issued; the previous link no longer works.', resent.link, options));
    }
    result = resent;
  } else {
    const revoked = await services.invitations.revoke(change);
    if (revoked.ok) {
      return renderInvitation(invitationCard(revoked.invitation, now, 'Invitation revoked', 'The link no longer works.', '', options));
    }
    result = revoked;
  }
  switch (result.reason) {
    case 'not-found':
      return renderMessage({ title: 'No such invitation', text: `There is no invitation ${input.invitationId}. **invitations all** lists them.`, tone: 'warning' });
    case 'not-allowed':
      return renderInvitation(
        invitationCard(result.invitation, now, `Cannot ${kind} this invitation`, kind === 'resend'
          ? `It is ${statusWords(result.status).toLowerCase()}. Invite the admin again with **invite** instead.`
          : `It is already ${statusWords(result.status).toLowerCase()}.`, '', options),
      );
    case 'stale-card':
      return renderInvitation(invitationCard(result.invitation, now, 'This card was out of date', 'The invitation changed since this card was posted, so nothing was done. Here is its current state.', '', options));
    case 'conflict':
      return renderMessage({ title: 'Busy, try again', text: 'Someone else changed this invitation at the same moment. Nothing was done; try again.', tone: 'warning' });
  }
}

/** A destructive button asks first: the invitation as it is now, with "Yes, revoke" and "Keep it". */
export async function confirmRevoke(services: BotServices, invitationId: string, place: { shared: boolean }): Promise<CardAttachment> {
  return showInvitation(services, invitationId, place, (inv) =>
    invitationCard(inv, services.clock.now(), 'Revoke this invitation?', `The link stops working at once and ${quoted(inv.email)} can no longer sign in with it. The invitation is kept, as revoked, for the record.`, '', { ...place, confirmingRevoke: true }),
  );
}

/** "Keep it", or any button that shows one invitation as it is now. */
export async function showInvitation(
  services: BotServices,
  invitationId: string,
  place: { shared: boolean },
  view: (inv: Invitation) => InvitationCard = (inv) => invitationCard(inv, services.clock.now(), 'Invitation', '', '', place),
): Promise<CardAttachment> {
  const inv = await services.invitations.find(invitationId);
  if (!inv) return renderMessage({ title: 'No such invitation', text: `There is no invitation ${invitationId}. **invitations all** lists them.`, tone: 'warning' });
  return renderInvitation(view(inv));
}

export const resendCommand = command<string>({
  name: 'resend',
  usage: 'resend <invitation id>',
  description: 'Issue a new invitation link (the old one stops working).',
  role: 'operator',
  parse: parseId,
  run: ({ services, actor, requestKey, context }, invitationId) => runInvitationChange(services, 'resend', { invitationId, actor, requestKey }, { shared: !isPersonalChat(context) }),
});

export const revokeCommand = command<string>({
  name: 'revoke',
  usage: 'revoke <invitation id>',
  description: 'Stop an invitation link from working.',
  role: 'operator',
  parse: parseId,
  run: ({ services, actor, requestKey, context }, invitationId) => runInvitationChange(services, 'revoke', { invitationId, actor, requestKey }, { shared: !isPersonalChat(context) }),
});
