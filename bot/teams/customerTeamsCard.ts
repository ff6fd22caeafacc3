import type { CardAttachment } from '../../cards';

type Json = Record<string, unknown>;

/**
 * The customer cards are written for the web page (Action.Submit with a verb). In Teams the same
 * card becomes Action.Execute carrying the invitation id, and — when it holds something only the
 * invited admin may see — a refresh bound to that admin's Teams user id (a user-specific view).
 */
export function forTeams(card: CardAttachment, invitationId: string, refreshFor?: { userIds: string[]; verb: string }): CardAttachment {
  const content = JSON.parse(JSON.stringify(card.content)) as Json;
  const convert = (action: Json): Json => {
    if (action.type !== 'Action.Submit') return action;
    const data: Json = { ...((action.data as Json | undefined) ?? {}), invitationId };
    return { type: 'Action.Execute', title: action.title, style: action.style, verb: data.verb, data };
  };
  if (Array.isArray(content.actions)) content.actions = (content.actions as Json[]).map(convert);
  if (refreshFor) {
    content.refresh = { action: { type: 'Action.Execute', title: 'Refresh', verb: refreshFor.verb, data: { verb: refreshFor.verb, invitationId } }, userIds: refreshFor.userIds };
  }
  return { contentType: card.contentType, content };
}
