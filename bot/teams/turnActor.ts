import type { TurnContext } from 'botbuilder';
import type { Actor } from '../../src/domain/staff';

/** Who is acting in this turn: Entra object id and tenant, as Teams sends them. */
export function actorOf(context: TurnContext): Actor {
  const a = context.activity;
  const channelTenant = (a.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const tenantId = a.conversation?.tenantId ?? (typeof channelTenant === 'string' ? channelTenant : '');
  return { aadObjectId: (a.from?.aadObjectId ?? '').toLowerCase(), tenantId: (tenantId ?? '').toLowerCase(), name: a.from?.name };
}

/** Identifies this request; Teams redelivers an activity with the same id. */
export function requestKeyOf(context: TurnContext): string {
  return `${context.activity.conversation?.id ?? ''}|${context.activity.id ?? context.activity.replyToId ?? ''}`;
}

export function isPersonalChat(context: TurnContext): boolean {
  const type = context.activity.conversation?.conversationType;
  return type === undefined || type === 'personal';
}
