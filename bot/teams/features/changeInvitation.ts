import { CardAttachment, renderInvitation, renderMessage } from '../../../cards';
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
): Promise<CardAttachment> {
  const change: ChangeInput = input;
  const now = services.clock.now();
  let result: ResendResult | RevokeResult;
  if (kind === 'resend') {
    const resent = await services.invitations.resend(change);
    if (resent.ok) {
      return renderInvitation(invitationCard(resent.invitation, now, 'Invitation resent', 'A new link was issued; the previous link no longer works.', resent.link));
    }
    result = resent;
  } else {
    const revoked = await services.invitations.revoke(change);
    if (revoked.ok) {
      return renderInvitation(invitationCard(revoked.invitation, now, 'Invitation revoked', 'The link no longer works.'));
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
          : `It is already ${statusWords(result.status).toLowerCase()}.`),
      );
    case 'stale-card':
      return renderInvitation(invitationCard(result.invitation, now, 'This card was out of date', 'The invitation changed since this card was posted, so nothing was done. Here is its current state.'));
    case 'conflict':
      return renderMessage({ title: 'Busy, try again', text: 'Someone else changed this invitation at the same moment. Nothing was done; try again.', tone: 'warning' });
  }
}

export const resendCommand = command<string>({
  name: 'resend',
  usage: 'resend <invitation id>',
  description: 'Issue a new invitation link (the old one stops working).',
  role: 'operator',
  parse: parseId,
  run: ({ services, actor, requestKey }, invitationId) => runInvitationChange(services, 'resend', { invitationId, actor, requestKey }),
});

export const revokeCommand = command<string>({
  name: 'revoke',
  usage: 'revoke <invitation id>',
  description: 'Stop an invitation link from working.',
  role: 'operator',
  parse: parseId,
  run: ({ services, actor, requestKey }, invitationId) => runInvitationChange(services, 'revoke', { invitationId, actor, requestKey }),
});
