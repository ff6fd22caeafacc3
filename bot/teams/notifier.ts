import { CardFactory, ConversationReference, MessageFactory } from 'botbuilder';
import type { CloudAdapter } from 'botbuilder';
import type { CardAttachment } from '../../cards';
import type { Logger } from '../../src/log';
import type { ConversationStore, NoticeDestination } from '../../src/usecases/ports';

export type NotifyResult =
  | { ok: true; activityId?: string }
  | { ok: false; reason: 'unknown-conversation' | 'blocked' | 'failed'; status?: number };

/** Posts a card to a conversation the bot saved earlier (install or first message). */
export interface Notifier {
  notify(conversationId: string, card: CardAttachment): Promise<NotifyResult>;
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
    let activityId: string | undefined;
    try {
      await this.adapter.continueConversationAsync(this.botAppId, saved.reference as Partial<ConversationReference>, async (context) => {
        const sent = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card.content)));
        activityId = sent?.id;
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
