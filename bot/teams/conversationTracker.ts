import { TurnContext } from 'botbuilder';
import type { ConversationStore } from '../../src/usecases/ports';
import type { Clock } from '../../src/clock';

/**
 * Saves a conversation reference the first time this process sees a conversation (and on
 * install), so proactive cards can reach it later without a write on every message.
 */
export class ConversationTracker {
  private readonly seen = new Set<string>();

  constructor(private readonly conversations: ConversationStore, private readonly clock: Clock) {}

  async remember(context: TurnContext, force = false): Promise<void> {
    const a = context.activity;
    const id = a.conversation?.id;
    if (!id || (!force && this.seen.has(id))) return;
    const type = a.conversation.conversationType;
    const kind = type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal';
    const saved = {
      conversationId: id,
      kind,
      reference: JSON.parse(JSON.stringify(TurnContext.getConversationReference(a))) as Record<string, unknown>,
      teamsTenantId: a.conversation.tenantId,
      savedAt: this.clock.now().toISOString(),
    } as const;
    await this.conversations.save(saved);
    // A person's own chat with the bot is also findable by who they are, for private notices.
    if (kind === 'personal' && a.from?.aadObjectId) await this.conversations.save({ ...saved, conversationId: personalConversationKey(a.from.aadObjectId) });
    this.seen.add(id);
  }

  /**
   * On install: saves the reference as `remember(context, true)` does, and says whether the
   * conversation is new (neither saved nor seen before), so the welcome is sent once. Teams may
   * send both a conversationUpdate and an installationUpdate for one install, at the same moment:
   * the first to arrive claims the conversation before any await.
   */
  async rememberInstall(context: TurnContext): Promise<boolean> {
    const id = context.activity.conversation?.id;
    if (!id) return false;
    const claimed = !this.seen.has(id);
    this.seen.add(id);
    const saved = claimed ? await this.conversations.get(id) : undefined;
    await this.remember(context, true);
    return claimed && saved === undefined;
  }
}

/** The key under which a staff member's 1:1 chat with the bot is saved. */
export const personalConversationKey = (aadObjectId: string) => `personal-${aadObjectId.toLowerCase()}`;
