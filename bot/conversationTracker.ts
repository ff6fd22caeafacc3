import { TurnContext } from 'botbuilder';
import type { ConversationRepository } from '../src/store/conversationRepository';
import type { Clock } from '../src/clock';

/**
 * Saves a conversation reference the first time this process sees a conversation (and on
 * install), so proactive cards can reach it later without a write on every message.
 */
export class ConversationTracker {
  private readonly seen = new Set<string>();

  constructor(private readonly conversations: ConversationRepository, private readonly clock: Clock) {}

  async remember(context: TurnContext, force = false): Promise<void> {
    const a = context.activity;
    const id = a.conversation?.id;
    if (!id || (!force && this.seen.has(id))) return;
    const type = a.conversation.conversationType;
    await this.conversations.save({
      conversationId: id,
      kind: type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal',
      reference: JSON.parse(JSON.stringify(TurnContext.getConversationReference(a))) as Record<string, unknown>,
      teamsTenantId: a.conversation.tenantId,
      savedAt: this.clock.now().toISOString(),
    });
    this.seen.add(id);
  }
}
