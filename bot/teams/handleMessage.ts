import type { TurnContext } from 'botbuilder';
import { CardAttachment, renderMessage } from '../../cards';
import { clip } from '../../src/domain/inputs';
import type { Role } from '../../src/domain/staff';
import type { CommandSpec, BotServices } from './services';
import { parseCommand } from './parseCommand';
import { refusal } from '../presentation/replies';
import { actorOf, requestKeyOf } from './turnActor';

/**
 * Chat text → one card. Default deny: nothing but the refusal is said to someone without a role.
 * Unexpected errors are left to the adapter's turn-error handler (one place logs and apologizes).
 */
export async function answerMessage(
  services: BotServices,
  context: TurnContext,
  table: readonly CommandSpec[],
  /** Runs once the sender is known to belong to the provider: nothing is stored about anyone else. */
  whenProviderUser: () => Promise<void> = async () => undefined,
  /** Told which command this turn runs, for the log of an error. */
  turn: { command: string } = { command: 'message' },
): Promise<CardAttachment> {
  const actor = actorOf(context);
  const parsed = parseCommand(context.activity.text ?? '', table);
  const needed: Role = parsed.kind === 'command' || parsed.kind === 'usage' ? parsed.spec.role : 'viewer';
  const name = parsed.kind === 'command' || parsed.kind === 'usage' ? parsed.spec.name : 'help';
  turn.command = parsed.kind === 'command' || parsed.kind === 'usage' ? parsed.spec.name : 'message';
  const auth = await services.staff.authorize(actor, needed);
  if (auth.ok || auth.reason !== 'not-provider-tenant') await whenProviderUser();
  if (!auth.ok) {
    await services.audit({ actor, action: `command.${name}`, outcome: 'denied', detail: auth.reason, requestKey: requestKeyOf(context) });
    services.logger.info({ event: 'command.denied', command: name, reason: auth.reason, aadObjectId: actor.aadObjectId }, 'command refused');
    return refusal(auth, actor, services.providerName, name, needed);
  }
  switch (parsed.kind) {
    case 'empty':
    case 'unknown':
      return renderMessage({
        title: parsed.kind === 'empty' ? 'How can I help?' : `I don't know "${clip(parsed.word, 30)}"`,
        text: `${parsed.kind === 'unknown' && parsed.suggestion ? `Did you mean **${parsed.suggestion}**? ` : ''}Commands: ${table.map((c) => c.name).join(', ')}. Type **help** for details.`,
      });
    case 'usage':
      return renderMessage({ title: `That ${parsed.spec.name} command needs a fix`, text: parsed.message, usage: parsed.spec.usage, tone: 'warning' });
    case 'command':
      services.logger.info({ event: 'command.run', command: parsed.spec.name, aadObjectId: actor.aadObjectId }, 'command');
      return parsed.spec.run({ services, actor, role: auth.role, requestKey: requestKeyOf(context), context }, parsed.input);
  }
}
