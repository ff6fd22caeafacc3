import { CardFactory, ConversationReference, MessageFactory } from 'botbuilder';
import type { CloudAdapter } from 'botbuilder';
import type { CardAttachment } from '../../cards';
import type { Logger } from '../../src/log';
import type { ConversationStore, NoticeDestination } from '../../src/usecases/ports';

export type NotifyResult =
  | { ok: true; activityId?: string }
  | { ok: false; reason: 'unknown-conversation' | 'blocked' | 'failed'; status?: number };

/** Posts a card to a conversation the bot saved earlier (install or first message). */
export interface Notifier extends CardUpdates {
  notify(conversationId: string, card: CardAttachment): Promise<NotifyResult>;
}

/**
 * Work that outlives its turn (a long validation) reports by replacing the card it answered with:
 * the conversation is the turn's own reference, the activity the card the bot sent (or the one a
 * pressed button was on). Without an activity id, the card is posted as a new message.
 */
export interface CardUpdates {
  replace(reference: Partial<ConversationReference>, activityId: string | undefined, card: CardAttachment): Promise<NotifyResult>;
}

/** Delivers a card to a neutral destination; Teams can reach conversations only (email comes with its own adapter). */
export async function deliver(notifier: Notifier, destination: NoticeDestination, card: CardAttachment): Promise<NotifyResult | { ok: false; reason: 'unsupported-destination' }> {
  if (destination.kind === 'conversation') return notifier.notify(destination.conversationId, card);
  return { ok: false, reason: 'unsupported-destination' };
}

export class BotNotifier implements Notifier {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly botAppId: string,
    private readonly conversations: ConversationStore,
    private readonly logger: Logger,
  ) {}

  async notify(conversationId: string, card: CardAttachment): Promise<NotifyResult> {
    const saved = await this.conversations.get(conversationId);
    if (!saved) return { ok: false, reason: 'unknown-conversation' };
    return this.post(saved.reference as Partial<ConversationReference>, undefined, card, conversationId);
  }

  replace(reference: Partial<ConversationReference>, activityId: string | undefined, card: CardAttachment): Promise<NotifyResult> {
    return this.post(reference, activityId, card, reference.conversation?.id);
  }

  private async post(reference: Partial<ConversationReference>, replacing: string | undefined, card: CardAttachment, conversationId: string | undefined): Promise<NotifyResult> {
    let activityId: string | undefined;
    try {
      await this.adapter.continueConversationAsync(this.botAppId, reference, async (context) => {
        const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card.content));
        if (replacing) {
          await context.updateActivity({ ...activity, id: replacing });
          activityId = replacing;
        } else {
          activityId = (await context.sendActivity(activity))?.id;
        }
      });
      return { ok: true, activityId };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const code = (error as { body?: { error?: { code?: string } } }).body?.error?.code ?? (error as { code?: string }).code;
      // The bot was removed from the conversation or blocked by the user: retrying will not help.
      const blocked = status === 403 || code === 'MessageWritesBlocked' || status === 404;
      this.logger.warn({ event: 'notify.failed', conversationId, status, code, blocked }, 'proactive message not delivered');
      return { ok: false, reason: blocked ? 'blocked' : 'failed', status };
    }
  }
}
