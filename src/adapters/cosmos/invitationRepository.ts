import type { Container } from '@azure/cosmos';
import type { Invitation } from '../../domain/invitation';
import type { InvitationStore } from '../../usecases/ports';
import { createIfAbsent, readItem, updateIfMatch, withoutSystemProperties } from './conditionalWrite';
import { Mutation } from '../../usecases/ports';

/**
 * The customer routes know only a hash (of the link token, the consent state or the reviewer
 * token). Each hash is a document id in the `links` container, so an unknown or guessed link costs
 * one point read, never a cross-partition query. An index entry is only a pointer: the invitation's
 * own hash must still match, so a replaced link is dead even while its entry remains.
 */
interface LinkIndexEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly invitationId: string;
}

type HashOf = (inv: Invitation) => string | undefined;
const HASHES: readonly HashOf[] = [(i) => i.tokenHash, (i) => i.consent?.stateHash, (i) => i.consent?.reviewTokenHash];

export class InvitationRepository implements InvitationStore {
  constructor(private readonly container: Container, private readonly links: Container) {}

  /** The link index is written first: an entry without its invitation leads nowhere. */
  async create(invitation: Invitation): Promise<boolean> {
    await this.index(invitation, undefined);
    return createIfAbsent(this.container, invitation);
  }

  private async index(inv: Invitation, previous: Invitation | undefined): Promise<void> {
    for (const hashOf of HASHES) {
      const hash = hashOf(inv);
      if (hash && hash !== (previous && hashOf(previous))) {
        await this.links.items.upsert<LinkIndexEntry>({ id: hash, tenantId: inv.tenantId, invitationId: inv.id });
      }
    }
  }

  private async viaIndex(hash: string, hashOf: HashOf): Promise<Invitation | undefined> {
    const entry = await readItem<LinkIndexEntry>(this.links, hash, hash);
    if (!entry) return undefined;
    const inv = await this.get(entry.tenantId, entry.invitationId);
    return inv && hashOf(inv) === hash ? inv : undefined;
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
  findByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    return this.viaIndex(tokenHash, HASHES[0]);
  }

  /** The consent callback knows only the state; the reviewer page only its own token. */
  findByConsentStateHash(stateHash: string): Promise<Invitation | undefined> {
    return this.viaIndex(stateHash, HASHES[1]);
  }

  findByReviewTokenHash(reviewTokenHash: string): Promise<Invitation | undefined> {
    return this.viaIndex(reviewTokenHash, HASHES[2]);
  }

  /** Flows that may have lost their owner: signing in, or between token and activation. */
  async listInFlight(): Promise<Invitation[]> {
    const { resources } = await this.container.items
      .query<Invitation>({ query: 'SELECT * FROM c WHERE c.status = @s OR c.status = @t', parameters: [{ name: '@s', value: 'signing_in' }, { name: '@t', value: 'token_acquired' }] })
      .fetchAll();
    return resources.map((r) => withoutSystemProperties(r));
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

  /** A new link, consent state or reviewer token is indexed before the caller hands it out. */
  async update<F = never>(tenantId: string, id: string, mutate: (inv: Invitation) => Mutation<Invitation, F>) {
    const outcome = await updateIfMatch<Invitation, F>(this.container, id, tenantId, mutate);
    if (outcome.ok) await this.index(outcome.value, outcome.previous);
    return outcome;
  }
}
