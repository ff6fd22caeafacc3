import { TurnContext } from 'botbuilder';
import { type CardAttachment, renderMessage, renderValidationResult } from '../../../cards';
import { currentDeadline, withoutDeadline } from '../../../src/deadline';
import { quoted } from '../../../src/domain/plainText';
import type { TenantRef } from '../../../src/domain/inputs';
import type { Invitation } from '../../../src/domain/invitation';
import type { ValidationTrigger } from '../../../src/domain/validation';
import type { ValidateResult } from '../../../src/usecases/tenants/validateTenant';
import { apology } from '../../presentation/replies';
import { validatingCard, validationResultCard } from '../../presentation/views';
import { command, type BotServices, type CommandTurn } from '../services';
import { inviteCommand } from './invite';
import { parseOne } from './tenants';

const USAGE = 'validate <tenant domain or id>';

/**
 * How long a turn waits for the validation before it answers "Validating…" and reports by
 * replacing that card: a healthy validation (one token request, two Graph reads) answers well
 * within it; a throttled or slow Microsoft does not make staff stare at nothing.
 */
const ANSWER_WITHIN_MS = 2_500;
/** Kept back from the handler's deadline for sending the answer itself. */
const SEND_RESERVE_MS = 1_000;
/** How long the later update waits to learn the id of the "Validating…" card it replaces. */
const SENT_ID_WAIT_MS = 10_000;

export const validateCommand = command<TenantRef>({
  name: 'validate',
  usage: USAGE,
  description: "Validate Authentication: renew the tenant's saved sign-in and check what it reaches (tenant, account, permissions).",
  role: 'operator',
  parse: parseOne,
  run: (turn, ref) => validateAndAnswer(turn, ref, 'command'),
});

/**
 * Runs the validation outside the turn's deadline, under its own (VALIDATION_TIMEOUT_MS). If it
 * is done soon enough, its card is the answer; otherwise the answer is "Validating…" and the
 * result replaces that card when it comes (the card the bot sends now, or the one the pressed
 * button was on).
 */
export async function validateAndAnswer(turn: CommandTurn, ref: TenantRef, trigger: ValidationTrigger): Promise<CardAttachment> {
  const { services, context, actor, requestKey } = turn;
  const running = withoutDeadline(() => services.tenants.validate({ tenant: ref, actor, requestKey, trigger }));
  const leftMs = (currentDeadline()?.remainingMs() ?? services.budgets.turnMs) - SEND_RESERVE_MS;
  const early = await settledWithin(running, Math.max(0, Math.min(ANSWER_WITHIN_MS, leftMs)));
  if (early.settled) {
    if (!early.ok) throw early.error;
    return resultCard(services, early.value);
  }

  const reference = TurnContext.getConversationReference(context.activity);
  // An Action.Execute answer replaces the card the button was on; anything else is a new message.
  const cardId = context.activity.type === 'invoke' ? Promise.resolve(context.activity.replyToId) : idOfNextSentMessage(context);
  services.logger.info({ event: 'validation.answered-later', tenant: ref.value, trigger }, 'validation takes longer than the turn waits: answering "Validating…"');
  withoutDeadline(() => void reportLater(services, running, reference, cardId));
  return renderValidationResult(validatingCard(quoted(ref.value), ref.kind === 'id' ? ref.value : ''));
}

async function reportLater(services: BotServices, running: Promise<ValidateResult>, reference: Partial<ReturnType<typeof TurnContext.getConversationReference>>, cardId: Promise<string | undefined>): Promise<void> {
  let card: CardAttachment;
  try {
    card = resultCard(services, await running);
  } catch (error) {
    const correlationId = services.random.correlationId();
    services.logger.error({ event: 'validation.failed', correlationId, err: error }, 'validation failed unexpectedly');
    card = apology(correlationId);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const activityId = await Promise.race([cardId, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SENT_ID_WAIT_MS)))]).finally(() => clearTimeout(timer));
  const sent = await services.cardUpdates.replace(reference, activityId, card);
  if (!sent.ok) services.logger.warn({ event: 'validation.report-undelivered', reason: sent.reason, status: sent.status }, 'the validation result could not be shown');
}

/** Every result, as a card. */
export function resultCard(services: BotServices, result: ValidateResult): CardAttachment {
  if (result.ok) return renderValidationResult(validationResultCard(result.tenant, result.validation));
  switch (result.reason) {
    case 'unknown-tenant':
      return renderMessage({ title: 'Unknown tenant', text: `No customer tenant "${quoted(result.ref.value)}" yet. **tenants** lists them; **invite** adds one.`, tone: 'warning', usage: USAGE });
    case 'no-token':
      return renderMessage({
        title: 'Nothing to validate yet',
        text: `${quoted(result.tenant.displayName)} has no saved sign-in: nobody has signed in for it yet. A customer admin's sign-in through an invitation saves one: **status ${result.tenant.tenantId}** shows how far its invitation got, and **invite** sends one if there is none.`,
        tone: 'warning',
      });
    case 'write-refused':
      // Only a caller with a write guard (the scheduled sweep) gets this.
      services.logger.warn({ event: 'validation.write-refused', tenantId: result.tenant.tenantId, validationId: result.validation.id }, 'the validation result was not recorded');
      return renderMessage({ title: 'Validation not recorded', text: 'The validation ran, but its result was not recorded.', tone: 'warning' });
  }
}

/** Resolves with the id the connector gave the first message this turn sends (the answer card). */
function idOfNextSentMessage(context: TurnContext): Promise<string | undefined> {
  return new Promise((resolve) => {
    context.onSendActivities(async (_context, activities, next) => {
      const responses = await next();
      const index = activities.findIndex((a) => a.type === undefined || a.type === 'message');
      if (index >= 0) resolve(responses[index]?.id);
      return responses;
    });
  });
}

type Settled<T> = { settled: true; ok: true; value: T } | { settled: true; ok: false; error: unknown } | { settled: false };

function settledWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  const done = work.then(
    (value): Settled<T> => ({ settled: true, ok: true, value }),
    (error): Settled<T> => ({ settled: true, ok: false, error }),
  );
  return Promise.race([done, late]).finally(() => clearTimeout(timer));
}

/**
 * Re-invite, from a failed validation: the invite command for the tenant's connection account,
 * in the variant it was invited with — the same words as `invite <tenant id> <account> <variant>`.
 */
export async function reinvite(turn: CommandTurn, tenantId: string): Promise<CardAttachment> {
  const status = await turn.services.tenants.status({ kind: 'id', value: tenantId });
  if (!status.ok) return renderMessage({ title: 'Unknown tenant', text: `There is no customer tenant ${tenantId}.`, tone: 'warning' });
  const account = status.tenant.token?.account;
  if (!account) {
    return renderMessage({ title: 'No connection account to re-invite', text: `${quoted(status.tenant.displayName)} has no saved sign-in. Use **invite ${tenantId} ‹admin email›**.`, tone: 'warning' });
  }
  const byAccount = (i: Invitation) => i.tenantId === tenantId && i.status === 'activated' && [i.email, i.signedInAs].some((e) => e?.toLowerCase() === account.toLowerCase());
  // The status shows the newest invitation only; the one that connected the account may be older.
  const activated = status.invitations.find(byAccount) ?? (await turn.services.invitations.list('all')).map((r) => r.invitation).find(byAccount);
  const words = [tenantId, account, activated?.variant ?? 'global'];
  const input = inviteCommand.parse(words);
  if (!input.ok) return renderMessage({ title: 'Re-invite needs a hand', text: `${input.message} Use **invite ${tenantId} ‹admin email›**.`, tone: 'warning' });
  return inviteCommand.run(turn, input.value);
}
