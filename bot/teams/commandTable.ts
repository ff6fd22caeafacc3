import { withArticle } from '../presentation/views';
import { renderHelp, renderMessage } from '../../cards';
import { roleAllows } from '../../src/domain/staff';
import { clip } from '../../src/domain/inputs';
import { inviteCommand } from './features/invite';
import { invitationsCommand } from './features/invitations';
import { resendCommand, revokeCommand } from './features/changeInvitation';
import { statusCommand, tenantsCommand } from './features/tenants';
import { staffCommand } from './features/staff';
import { command, CommandSpec } from './services';

const helpCommand = command<string | undefined>({
  name: 'help',
  usage: 'help [command]',
  description: 'Show the commands your role allows.',
  role: 'viewer',
  parse: (args) =>
    args.length === 0
      ? { ok: true, value: undefined }
      : args.length === 1 && COMMANDS.some((c) => c.name === args[0].toLowerCase())
        ? { ok: true, value: args[0].toLowerCase() }
        : { ok: false, message: `"${clip(args.join(' '), 30)}" is not a command. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.` },
  async run({ role, services }, only) {
    const wanted = COMMANDS.find((c) => c.name === only);
    if (wanted && !roleAllows(role, wanted.role)) {
      return renderMessage({ title: `${wanted.name} needs the ${wanted.role} role`, text: `You are ${withArticle(role)}. Ask a Tenant Access admin if you need it.`, usage: wanted.usage });
    }
    const allowed = COMMANDS.filter((c) => roleAllows(role, c.role) && (only === undefined || c.name === only));
    return renderHelp({
      intro: `Tenant Access keeps ${services.providerName}'s delegated access to customer Microsoft 365 tenants. Commands:`,
      role,
      commands: allowed.map((c) => ({ usage: c.usage, description: c.description })),
    });
  },
});

/**
 * The one list of chat commands. The router, `help` and the app manifest's commandLists all
 * read it, so they cannot drift apart.
 */
export const COMMANDS: readonly CommandSpec[] = [
  helpCommand,
  inviteCommand,
  invitationsCommand,
  resendCommand,
  revokeCommand,
  tenantsCommand,
  statusCommand,
  staffCommand,
];
