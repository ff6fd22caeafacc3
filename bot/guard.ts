import type { TurnContext } from 'botbuilder';
import type { BotServices } from './services';
import { actorOf } from './turnActor';

/**
 * Runs one handler; an unexpected error is logged once with a correlation id and the caller
 * decides what the user sees (never the error text, never a stack trace).
 */
export async function guarded<T>(
  services: BotServices,
  context: TurnContext,
  what: string,
  work: () => Promise<T>,
  onError: (correlationId: string) => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const correlationId = services.random.correlationId();
    services.logger.error(
      { event: 'handler.error', correlationId, what, err: error, activityType: context.activity.type, conversationType: context.activity.conversation?.conversationType, aadObjectId: actorOf(context).aadObjectId },
      'handler failed',
    );
    return onError(correlationId);
  }
}
