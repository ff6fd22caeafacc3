import type { Container } from '@azure/cosmos';
import type { ConversationStore, SavedConversation } from '../../usecases/ports';
import { readItem, withoutSystemProperties } from './conditionalWrite';

/**
 * Cosmos ids may not contain / \ ? #, which Teams conversation ids can. The escape character is
 * `*` (as botbuilder's CosmosDbKeyEscape): Cosmos URL-decodes the item path, so an id holding
 * `%2f` cannot be read, replaced or deleted there. `%` and `*` are escaped too, so the map is one to one.
 */
export function conversationDocumentId(conversationId: string): string {
  return conversationId.replace(/[/\\?#%*]/g, (c) => `*${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export class ConversationRepository implements ConversationStore {
  constructor(private readonly container: Container) {}

  async save(conversation: Omit<SavedConversation, 'id'>): Promise<void> {
    await this.container.items.upsert({ ...conversation, id: conversationDocumentId(conversation.conversationId) });
  }

  async get(conversationId: string): Promise<SavedConversation | undefined> {
    const id = conversationDocumentId(conversationId);
    const doc = await readItem<SavedConversation>(this.container, id, id);
    return doc && withoutSystemProperties(doc);
  }
}
