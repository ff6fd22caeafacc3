import { renderMessage, renderStaffList } from '../../../cards';
import { parseGuid, Parsed } from '../../../src/domain/inputs';
import { Role, ROLES } from '../../../src/domain/staff';
import { formatUtc } from '../../presentation/views';
import { command } from '../services';

type StaffArgs = { kind: 'list' } | { kind: 'add'; id: string; role: Role } | { kind: 'remove'; id: string };

function parse(args: readonly string[]): Parsed<StaffArgs> {
  if (args.length === 0) return { ok: true, value: { kind: 'list' } };
  const sub = args[0].toLowerCase();
  if (sub === 'add') {
    if (args.length !== 3) return { ok: false, message: 'staff add needs an Entra object id and a role.' };
    const id = parseGuid(args[1], "an Entra object id (find it on the user's page in the Entra admin center)");
    if (!id.ok) return id;
    const role = args[2].toLowerCase();
    if (!(ROLES as readonly string[]).includes(role)) return { ok: false, message: `"${args[2].slice(0, 20)}" is not a role: use viewer (read), operator (invite, resend, revoke) or admin (also staff).` };
    return { ok: true, value: { kind: 'add', id: id.value, role: role as Role } };
  }
  if (sub === 'remove') {
    if (args.length !== 2) return { ok: false, message: 'staff remove needs one Entra object id.' };
    const id = parseGuid(args[1], 'an Entra object id');
    return id.ok ? { ok: true, value: { kind: 'remove', id: id.value } } : id;
  }
  return { ok: false, message: `"${args[0].slice(0, 20)}" is not a staff action: use add or remove, or nothing to list.` };
}

export const staffCommand = command<StaffArgs>({
  name: 'staff',
  usage: 'staff | staff add <aad object id> <viewer|operator|admin> | staff remove <aad object id>',
  description: 'List provider staff and their roles, or grant or remove a role.',
  role: 'admin',
  parse,
  async run({ services, actor, requestKey }, input) {
    if (input.kind === 'list') {
      const members = await services.staff.list();
      return renderStaffList({
        members: members.map((m) => ({ id: m.id, role: m.role, note: m.source === 'configuration' ? ' (from configuration)' : ` (since ${formatUtc(m.addedAt)})` })),
      });
    }
    if (input.kind === 'add') {
      const r = await services.staff.add(actor, input.id, input.role, requestKey);
      if (!r.ok) return renderMessage({ title: 'Already an admin', text: `${input.id} is an admin from configuration (BOOTSTRAP_ADMINS); change it there.`, tone: 'warning' });
      return renderMessage({ title: 'Staff updated', text: r.previousRole ? `${input.id}: ${r.previousRole} → ${input.role}.` : `${input.id} is now ${input.role}.`, tone: 'good' });
    }
    const r = await services.staff.remove(actor, input.id, requestKey);
    if (r.ok) return renderMessage({ title: 'Staff updated', text: `${input.id} no longer has a role.`, tone: 'good' });
    const why = {
      'bootstrap-admin': `${input.id} is an admin from configuration (BOOTSTRAP_ADMINS); remove it there.`,
      self: 'You cannot remove your own role; ask another admin.',
      'not-staff': `${input.id} has no role. **staff** lists who does.`,
    }[r.reason];
    return renderMessage({ title: 'Nothing changed', text: why, tone: 'warning' });
  },
});
