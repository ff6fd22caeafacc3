import { ActivityTypes, CardFactory, MessageFactory, TurnContext } from 'botbuilder';
// Deep imports: the package index also loads its AI planners, OpenAI client and tokenizers (tens of MB) we never use.
import { Application } from '@microsoft/teams-ai/lib/Application';
import type { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import { TurnState } from '@microsoft/teams-ai/lib/TurnState';
import type { CardAttachment } from '../../cards';
import { CARD_ACTIONS } from './features/cardActions';
import { CUSTOMER_VERBS } from '../../cards/verbs';
import { answerCustomerAction } from './features/customerActions';
import { answerCardAction } from './answerCardAction';
import { welcomeCard } from './features/welcome';
import { COMMANDS } from './commandTable';
import type { ConversationTracker } from './conversationTracker';
import { guarded } from './guard';
import { answerMessage } from './handleMessage';
import { apology } from '../presentation/replies';
import type { BotServices } from './services';
import { isPersonalChat } from './turnActor';

/** What teams-ai's actionSubmit routes look at: an Action.Submit arrives as a message with no text and an object value. */
const isCardSubmit = (context: TurnContext) => !context.activity.text && typeof context.activity.value === 'object' && context.activity.value !== null;

const toActivity = (card: CardAttachment) => MessageFactory.attachment(CardFactory.adaptiveCard(card.content));

/** Handler errors are apologized for in 1:1 chats only; in channels they are only logged. */
async function replyOrApologize(services: BotServices, context: TurnContext, what: string | (() => string), work: () => Promise<CardAttachment>): Promise<void> {
  const card = await guarded<CardAttachment | undefined>(services, context, what, work, async (correlationId) =>
    isPersonalChat(context) ? apology(correlationId) : undefined,
  );
  if (card) await context.sendActivity(toActivity(card));
}

/** The teams-ai Application: every route in one visible, ordered list; the catch-all last. */
export function createApp(services: BotServices, adapter: TeamsAdapter, tracker: ConversationTracker, botAppId: string): Application<TurnState> {
  const app = new Application<TurnState>({
    adapter,
    botAppId,
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });

  // Every chat message, command or not, takes one handler and one parse (answerMessage reads the
  // command table). Conversation tracking shares the turn's budget, and happens only for users of
  // the provider's tenant.
  const answerChat = async (context: TurnContext) => {
    const turn = { command: 'message' };
    await replyOrApologize(services, context, () => turn.command, () => answerMessage(services, context, COMMANDS, () => tracker.remember(context), turn));
  };
  // Typed chat is most of the traffic: it is routed first, without asking each card route's selector
  // (teams-ai awaits them one by one). A card submit (no text, an object value) goes on to the card routes.
  app.addRoute(async (context) => context.activity.type === ActivityTypes.Message && !isCardSubmit(context), answerChat);

  // Install: the reference is saved, and a new conversation gets one welcome. Teams may send both
  // events for one install; members joining later (the bot not among them) get nothing.
  const welcomeIfNew = async (context: TurnContext) => {
    const card = await guarded<CardAttachment | undefined>(services, context, 'welcome', async () => ((await tracker.rememberInstall(context)) ? welcomeCard(services, context) : undefined), async () => undefined);
    if (card) await context.sendActivity(toActivity(card));
  };
  app.conversationUpdate('membersAdded', async (context) => {
    const botAdded = context.activity.membersAdded?.some((m) => m.id === context.activity.recipient.id);
    if (botAdded) await welcomeIfNew(context);
  });
  app.activity(ActivityTypes.InstallationUpdate, async (context) => {
    if (context.activity.action?.startsWith('add')) await welcomeIfNew(context);
  });

  for (const spec of CARD_ACTIONS) {
    app.adaptiveCards.actionExecute(spec.verb, async (context, _state, data) =>
      guarded(services, context, spec.verb, async () => (await answerCardAction(services, context, spec, data)).content as never,
        async (correlationId) => `Something went wrong on our side; trying again is safe. Reference: ${correlationId}`),
    );
    app.adaptiveCards.actionSubmit(spec.verb, async (context, _state, data) =>
      replyOrApologize(services, context, spec.verb, () => answerCardAction(services, context, spec, data)),
    );
  }

  // The customer's side of an invitation posted in Teams: checked against the invited admin, not staff roles.
  for (const verb of CUSTOMER_VERBS) {
    app.adaptiveCards.actionExecute(verb, async (context, _state, data) =>
      guarded(services, context, verb, async () => {
        const answer = await answerCustomerAction(services, services.customerView, context, verb, data);
        return 'card' in answer ? (answer.card.content as never) : answer.message;
      }, async (correlationId) => `Something went wrong on our side; trying again is safe. Reference: ${correlationId}`),
    );
  }

  // A card submit no card route took (an unknown verb) is answered as chat is.
  app.activity(ActivityTypes.Message, answerChat);
  return app;
}
