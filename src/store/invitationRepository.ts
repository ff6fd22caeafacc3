import type { Container } from '@azure/cosmos';
import type { Invitation } from '../domain/invitation';
import { createIfAbsent, Mutation, readItem, updateIfMatch, withoutSystemProperties } from './conditionalWrite';

export class InvitationRepository {
  constructor(private readonly container: Container) {}

  create(invitation: Invitation): Promise<boolean> {
    return createIfAbsent(this.container, invitation);
  }

  async get(tenantId: string, id: string): Promise<Invitation | undefined> {
    const doc = await readItem<Invitation>(this.container, id, tenantId);
    return doc && withoutSystemProperties(doc);
  }

  /** Staff type only the invitation id, so the tenant is found by query on the id. */
  async findById(id: string): Promise<Invitation | undefined> {
    const { resources } = await this.container.items
      .query<Invitation>({ query: 'SELECT * FROM c WHERE c.id = @id', parameters: [{ name: '@id', value: id }] })
      .fetchAll();
    return resources[0] && withoutSystemProperties(resources[0]);
  }

  /** The invitation page knows only the link token; its hash is the lookup key. */
  async findByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    const { resources } = await this.container.items
      .query<Invitation>({ query: 'SELECT * FROM c WHERE c.tokenHash = @h', parameters: [{ name: '@h', value: tokenHash }] })
      .fetchAll();
    return resources[0] && withoutSystemProperties(resources[0]);
  }

  /** The consent callback knows only the state; the reviewer page only its own token. */
  async findByConsentStateHash(stateHash: string): Promise<Invitation | undefined> {
    return this.findOne('SELECT * FROM c WHERE c.consent.stateHash = @h', stateHash);
  }

  async findByReviewTokenHash(reviewTokenHash: string): Promise<Invitation | undefined> {
    return this.findOne('SELECT * FROM c WHERE c.consent.reviewTokenHash = @h', reviewTokenHash);
  }

  /** Flows that may have lost their owner: signing in, or between token and activation. */
  async listInFlight(): Promise<Invitation[]> {
    const { resources } = await this.container.items
      .query<Invitation>({ query: 'SELECT * FROM c WHERE c.status = @s OR c.status = @t', parameters: [{ name: '@s', value: 'signing_in' }, { name: '@t', value: 'token_acquired' }] })
      .fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
  }

  private async findOne(query: string, value: string): Promise<Invitation | undefined> {
    const { resources } = await this.container.items.query<Invitation>({ query, parameters: [{ name: '@h', value }] }).fetchAll();
    return resources[0] && withoutSystemProperties(resources[0]);
  }

  /** One tenant's invitations, newest first: a single-partition feed read (no query plan). */
  async listForTenant(tenantId: string): Promise<Invitation[]> {
    const { resources } = await this.container.items.readAll<Invitation & { id: string }>({ partitionKey: tenantId }).fetchAll();
    // The filter is for the local Cosmos-protocol server, whose feeds ignore the partition key.
    return resources
      .filter((r) => r.tenantId === tenantId)
      .map((r) => withoutSystemProperties<Invitation>(r))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The Customer Invitations view across tenants, newest first. */
  async listRecent(limit = 200): Promise<Invitation[]> {
    const { resources } = await this.container.items
      .query<Invitation>({ query: 'SELECT TOP @limit * FROM c ORDER BY c.createdAt DESC', parameters: [{ name: '@limit', value: limit }] })
      .fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
  }

  update<F = never>(tenantId: string, id: string, mutate: (inv: Invitation) => Mutation<Invitation, F>) {
    return updateIfMatch<Invitation, F>(this.container, id, tenantId, mutate);
  }
}
