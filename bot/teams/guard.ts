import type { TurnContext } from 'botbuilder';
import { currentDeadline, isOutOfTime, withDeadline } from '../../src/deadline';
import type { BotServices } from './services';
import { actorOf } from './turnActor';

/**
 * Runs one handler; an unexpected error is logged once with a correlation id and the caller
 * decides what the user sees (never the error text, never a stack trace).
 */
export async function guarded<T>(
  services: BotServices,
  context: TurnContext,
  /** What ran, for the log; a function when the handler learns it as it goes (the command's name). */
  what: string | (() => string),
  work: () => Promise<T>,
  onError: (correlationId: string) => Promise<T>,
): Promise<T> {
  try {
    return await withDeadline(workBudgetMs(services, context), typeof what === 'string' ? what : 'message', work);
  } catch (error) {
    const correlationId = services.random.correlationId();
    const outOfTime = isOutOfTime(error);
    services.logger.error(
      { event: outOfTime ? 'handler.out-of-budget' : 'handler.error', correlationId, what: typeof what === 'string' ? what : what(), err: error, activityType: context.activity.type, conversationType: context.activity.conversation?.conversationType, aadObjectId: actorOf(context).aadObjectId },
      outOfTime ? 'handler ran out of its budget' : 'handler failed',
    );
    return onError(correlationId);
  }
}

/** Time left to send the apology itself: the handler's own work stops this much before the turn's deadline. */
const ANSWER_RESERVE_MS = 750;

function workBudgetMs(services: BotServices, context: TurnContext): number {
  const budget = context.activity.type === 'invoke' ? services.budgets.invokeMs : services.budgets.turnMs;
  const left = currentDeadline()?.remainingMs() ?? budget;
  return Math.max(50, Math.min(budget, left) - ANSWER_RESERVE_MS);
}
