/**
 * The floor of a `status` turn on the product's chosen stack, for bench/turns: the floor bot's two
 * point reads (bench/floorStore.ts) on the floor's HTTP edge, handed to teams-ai as the product hands
 * a turn to it, with nothing of the product's own in between —
 *
 *   restify + bodyParser → teams-ai's TeamsAdapter → a teams-ai Application with the product's
 *   options (removeRecipientMention, no typing timer, no long-running messages) and one message
 *   route → the two reads → the status card the product answered (the same Adaptive Card, handed
 *   over by the driver in STACK_FLOOR_CARD, sent as an attachment)
 *
 * Its distance from the floor is what teams-ai and a card reply cost a turn before any code of the
 * product runs: information beside the floor's target.
 */
import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
// Deep imports, as the product's: the package index also loads AI planners and tokenizers.
import { Application } from '@microsoft/teams-ai/lib/Application';
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { TurnState } from '@microsoft/teams-ai/lib/TurnState';
import { deepFreeze } from '../cards';
import { domainOf } from './benchActivity';
import { openFloorStore } from './floorStore';
import { serveFloorBot } from './floorServer';

function cardToSend(): Record<string, unknown> {
  const raw = process.env.STACK_FLOOR_CARD;
  if (!raw) throw new Error('STACK_FLOOR_CARD is not set: bench/turns hands over the status card the product answered');
  const card = JSON.parse(raw) as { type?: unknown };
  if (card.type !== 'AdaptiveCard') throw new Error('STACK_FLOOR_CARD is not an Adaptive Card');
  // Frozen and kept, as the product's card expansions are (cards/index.ts).
  return deepFreeze(card as Record<string, unknown>);
}

async function main(): Promise<void> {
  const card = cardToSend();
  const store = await openFloorStore();
  // No credentials: the adapter authenticates nothing, as the bot under test's adapter in local mode.
  const adapter = new TeamsAdapter();
  const app = new Application<TurnState>({ adapter, botAppId: '', removeRecipientMention: true, startTypingTimer: false, longRunningMessages: false });
  app.activity(ActivityTypes.Message, async (context: TurnContext) => {
    const domain = domainOf(context.activity.text);
    const tenant = await store.readTenant(domain);
    await context.sendActivity(tenant ? MessageFactory.attachment(CardFactory.adaptiveCard(card)) : `Unknown tenant ${domain}`);
  });
  await serveFloorBot('stack-floor-bot', store, adapter, (context) => app.run(context).then(() => undefined));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/stackFloorBot failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
