import type { TurnContext } from 'botbuilder';
import type { CardAttachment } from '../../cards';
import { ActionSpec, invalidButton } from './features/cardActions';
import { refusal } from '../presentation/replies';
import type { BotServices } from './services';
import { actorOf, requestKeyOf } from './turnActor';

/** A button press gets the same checks as the typed command: who is acting, and valid data. */
export async function answerCardAction(services: BotServices, context: TurnContext, spec: ActionSpec, data: unknown): Promise<CardAttachment> {
  const actor = actorOf(context);
  const auth = await services.staff.authorize(actor, spec.role);
  if (!auth.ok) {
    await services.audit({ actor, action: `action.${spec.verb}`, outcome: 'denied', detail: auth.reason, requestKey: requestKeyOf(context) });
    return refusal(auth, actor, services.providerName, spec.verb, spec.role);
  }
  const input = spec.parse(data);
  if (!input.ok) return invalidButton(input.message);
  services.logger.info({ event: 'action.run', verb: spec.verb, aadObjectId: actor.aadObjectId }, 'card action');
  return spec.run({ services, actor, role: auth.role, requestKey: requestKeyOf(context), context }, input.value);
}
