import { z } from 'zod';
import { CardAttachment, renderMessage } from '../../../cards';
import { VERBS, Verb } from '../../../cards/verbs';
import { parseGuid, parseInvitationId, Parsed } from '../../../src/domain/inputs';
import type { Role } from '../../../src/domain/staff';
import { confirmRevoke, runInvitationChange, showInvitation } from './changeInvitation';
import { isPersonalChat } from '../turnActor';
import type { CommandTurn } from '../services';
import { invitationListCard } from './invitations';
import { tenantCard, tenantListCard } from './tenants';
import { postInvitationHere } from './invite';
import { reinvite, validateAndAnswer } from './validate';

/** A card button: its verb, who may press it, how its data parses, what it does. */
export interface ActionSpec<I = unknown> {
  readonly verb: Verb;
  readonly role: Role;
  parse(data: unknown): Parsed<I>;
  run(turn: CommandTurn, input: I): Promise<CardAttachment>;
}

const action = <I>(spec: ActionSpec<I>): ActionSpec<unknown> => spec as ActionSpec<unknown>;

const changeData = z.object({ invitationId: z.string(), sentCount: z.union([z.string(), z.number()]).optional(), confirmed: z.string().optional() });

function parseChange(data: unknown): Parsed<{ invitationId: string; expectedSentCount?: number; confirmed: boolean }> {
  const d = changeData.safeParse(data);
  if (!d.success) return { ok: false, message: 'This button is missing its invitation. Use **invitations** for a fresh list.' };
  const id = parseInvitationId(d.data.invitationId);
  if (!id.ok) return id;
  const count = d.data.sentCount === undefined ? undefined : Number(d.data.sentCount);
  return { ok: true, value: { invitationId: id.value, expectedSentCount: Number.isInteger(count) ? count : undefined, confirmed: d.data.confirmed === 'yes' } };
}

const changeAction = (verb: Verb, kind: 'resend' | 'revoke') =>
  action({
    verb,
    role: 'operator',
    parse: parseChange,
    run: ({ services, actor, requestKey, context }, { confirmed, ...input }) => {
      const place = { shared: !isPersonalChat(context) };
      // Revoke cannot be undone: the first press asks, the second ("Yes, revoke") acts.
      if (kind === 'revoke' && !confirmed) return confirmRevoke(services, input.invitationId, place);
      return runInvitationChange(services, kind, { ...input, actor, requestKey }, place);
    },
  });

const invitationIdData = (data: unknown): Parsed<{ invitationId: string }> => {
  const id = parseInvitationId(String((data as { invitationId?: unknown } | undefined)?.invitationId ?? ''));
  return id.ok ? { ok: true, value: { invitationId: id.value } } : id;
};

/** Every verb the cards use has exactly one entry here (a test checks it). */
export const CARD_ACTIONS: readonly ActionSpec[] = [
  changeAction(VERBS.resendInvitation, 'resend'),
  changeAction(VERBS.revokeInvitation, 'revoke'),
  action<'pending' | 'all'>({
    verb: VERBS.refreshInvitations,
    role: 'viewer',
    parse: (data) => {
      const f = (data as { filter?: unknown } | undefined)?.filter;
      return { ok: true, value: f === 'all' ? 'all' : 'pending' };
    },
    run: ({ services }, filter) => invitationListCard(services, filter),
  }),
  action<{ invitationId: string }>({
    verb: VERBS.showInvitation,
    role: 'viewer',
    parse: invitationIdData,
    run: ({ services, context }, { invitationId }) => showInvitation(services, invitationId, { shared: !isPersonalChat(context) }),
  }),
  action<{ invitationId: string }>({
    verb: VERBS.postInvitation,
    role: 'operator',
    parse: invitationIdData,
    run: ({ services, context }, { invitationId }) => postInvitationHere(services, context, invitationId),
  }),
  action<void>({
    verb: VERBS.refreshTenants,
    role: 'viewer',
    parse: () => ({ ok: true, value: undefined }),
    run: ({ services }) => tenantListCard(services),
  }),
  action<string>({
    verb: VERBS.showTenant,
    role: 'viewer',
    parse: parseTenantId,
    run: ({ services }, tenantId) => tenantCard(services, { kind: 'id', value: tenantId }),
  }),
  action<string>({
    verb: VERBS.validateTenant,
    role: 'operator',
    parse: parseTenantId,
    run: (turn, tenantId) => validateAndAnswer(turn, { kind: 'id', value: tenantId }, 'button'),
  }),
  action<string>({
    verb: VERBS.reinviteTenant,
    role: 'operator',
    parse: parseTenantId,
    run: (turn, tenantId) => reinvite(turn, tenantId),
  }),
];

function parseTenantId(data: unknown): Parsed<string> {
  return parseGuid(String((data as { tenantId?: unknown } | undefined)?.tenantId ?? ''), 'a tenant id');
}

export const invalidButton = (message: string) => renderMessage({ title: 'That button did not work', text: message, tone: 'warning' });
