import { renderInvitationList } from '../../../cards';
import type { Parsed } from '../../../src/domain/inputs';
import type { InvitationFilter } from '../../../src/usecases/invitations/listInvitations';
import { type BotServices, command } from '../services';
import { invitationRow } from '../../presentation/views';

function parse(args: readonly string[]): Parsed<InvitationFilter> {
  if (args.length === 0) return { ok: true, value: 'pending' };
  const f = args.length === 1 ? args[0].toLowerCase() : '';
  return f === 'pending' || f === 'all' ? { ok: true, value: f } : { ok: false, message: 'Choose pending (the default) or all.' };
}

export async function invitationListCard(services: BotServices, filter: InvitationFilter) {
  const rows = await services.invitations.list(filter);
  return renderInvitationList({
    filter,
    emptyText: filter === 'pending' ? 'No pending invitations. **invitations all** shows finished ones too.' : 'No invitations yet.',
    rows: rows.slice(0, 50).map((r) => invitationRow(r.invitation, r.status)),
  });
}

export const invitationsCommand = command<InvitationFilter>({
  name: 'invitations',
  usage: 'invitations [pending|all]',
  description: 'List customer invitations: email, tenant, variant, status, created and expiry times.',
  role: 'viewer',
  parse,
  run: ({ services }, filter) => invitationListCard(services, filter),
});
