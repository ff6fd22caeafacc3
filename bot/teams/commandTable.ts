import { possessive, withArticle } from '../presentation/views';
import { renderHelp, renderMessage } from '../../cards';
import { roleAllows } from '../../src/domain/staff';
import { clip } from '../../src/domain/inputs';
import { inviteCommand } from './features/invite';
import { invitationsCommand } from './features/invitations';
import { resendCommand, revokeCommand } from './features/changeInvitation';
import { statusCommand, tenantsCommand } from './features/tenants';
import { sweepCommand, validateOrSweepCommand } from './features/sweep';
import { staffCommand } from './features/staff';
import { command, CommandSpec } from './services';
import { closestWord } from './parseCommand';

/** `help <command> [words…]`: the command, and its words after the name to pick a usage line (`help staff add`). */
type HelpTopic = { name: string; words: readonly string[] } | undefined;

const helpCommand = command<HelpTopic>({
  name: 'help',
  usage: 'help [command]',
  description: 'Show the commands your role allows.',
  role: 'viewer',
  parse: (args) => {
    if (args.length === 0) return { ok: true, value: undefined };
    const name = args[0].toLowerCase().replace(/^\//, '');
    if (COMMANDS.some((c) => c.name === name)) return { ok: true, value: { name, words: args.slice(1).map((w) => w.toLowerCase()) } };
    const suggestion = closestWord(name, COMMANDS.map((c) => c.name));
    return { ok: false, message: `"${clip(args[0], 30)}" is not a command. ${suggestion ? `Did you mean **${suggestion}**? ` : ''}Commands: ${COMMANDS.map((c) => c.name).join(', ')}.` };
  },
  async run({ role, services }, topic) {
    const wanted = COMMANDS.find((c) => c.name === topic?.name);
    if (wanted && !roleAllows(role, wanted.role)) {
      return renderMessage({ title: `${wanted.name} needs the ${wanted.role} role`, text: `You are ${withArticle(role)}. Ask a Tenant Access admin if you need it.`, usage: wanted.usage });
    }
    const allowed = COMMANDS.filter((c) => roleAllows(role, c.role) && (wanted === undefined || c === wanted));
    return renderHelp({
      intro: `Tenant Access keeps ${possessive(services.providerName)} delegated access to customer Microsoft 365 tenants. Commands:`,
      role,
      commands: allowed.map((c) => ({ usage: usageFor(c, topic?.words ?? []), description: c.description })),
    });
  },
});

/** The usage lines that start with the words asked about (`help staff add` → the `staff add …` line), else all of them. */
function usageFor(spec: CommandSpec, words: readonly string[]): string {
  if (words.length === 0) return spec.usage;
  const lines = spec.usage.split(' | ');
  const matching = lines.filter((line) => line.toLowerCase().startsWith(`${spec.name} ${words[0]}`));
  return matching.length > 0 ? matching.join(' | ') : spec.usage;
}

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
  validateOrSweepCommand,
  sweepCommand,
  staffCommand,
];
