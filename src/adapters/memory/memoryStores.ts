import type { Invitation } from '../../domain/invitation';
import type { StaffMember } from '../../domain/staff';
import type { CustomerTenant } from '../../domain/tenant';
import type {
  AuditEvent,
  AuditLog,
  ConversationStore,
  InvitationStore,
  Lease,
  LeaseStore,
  Mutation,
  PendingGuardStore,
  PendingInvitationGuard,
  SavedConversation,
  StorePorts,
  StaffStore,
  StoredTokenCache,
  SweepStore,
  TenantStore,
  TokenCacheDocs,
  ValidationStore,
  Versioned,
} from '../../usecases/ports';
import type { SweepRun } from '../../domain/sweep';
import type { ValidationRecord } from '../../domain/validation';
import { MemoryTable } from './memoryTable';

/**
 * The store ports in memory, with the same semantics as the Cosmos DB adapters (the contract suite
 * in test/contract runs against both): for the fast unit layer, and nothing else.
 */

const ONE = 'all';

export class MemoryTenants implements TenantStore {
  private readonly tenants = new MemoryTable<CustomerTenant>();
  private readonly domains = new MemoryTable<{ id: string; tenantId: string }>();

  async get(tenantId: string) {
    return (await this.tenants.read(tenantId, tenantId))?.value;
  }

  async findByDomain(domain: string) {
    const alias = await this.domains.read(domain, domain);
    return alias ? this.get(alias.value.tenantId) : undefined;
  }

  async addDomain(domain: string, tenantId: string) {
    await this.domains.upsert(domain, { id: domain, tenantId });
  }

  async ensure(tenant: CustomerTenant) {
    if (tenant.domain) await this.addDomain(tenant.domain, tenant.tenantId);
    if (await this.tenants.create(tenant.tenantId, tenant)) return { tenant, created: true };
    return { tenant: (await this.get(tenant.tenantId)) ?? tenant, created: false };
  }

  update<F = never>(tenantId: string, mutate: (t: CustomerTenant) => Mutation<CustomerTenant, F>, known?: Versioned<CustomerTenant>) {
    return this.tenants.update(tenantId, tenantId, mutate, 5, known);
  }

  async list(limit = 500) {
    return (await this.tenants.all()).sort((a, b) => a.displayName.localeCompare(b.displayName)).slice(0, limit);
  }

  async listForSweep(after: string | undefined, limit: number) {
    return (await this.tenants.allVersioned())
      .filter((d) => d.value.authMode === 'token' && d.value.tenantId > (after ?? ''))
      .sort((a, b) => (a.value.tenantId < b.value.tenantId ? -1 : a.value.tenantId > b.value.tenantId ? 1 : 0))
      .slice(0, limit);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.tenants.all();
  }
}

type HashOf = (inv: Invitation) => string | undefined;
const HASHES: readonly HashOf[] = [(i) => i.tokenHash, (i) => i.consent?.stateHash, (i) => i.consent?.reviewTokenHash];
const newestFirst = (a: Invitation, b: Invitation) => b.createdAt.localeCompare(a.createdAt);

export class MemoryInvitations implements InvitationStore {
  private readonly invitations = new MemoryTable<Invitation>();

  create(invitation: Invitation) {
    return this.invitations.create(invitation.tenantId, invitation);
  }

  async get(tenantId: string, id: string) {
    return (await this.invitations.read(tenantId, id))?.value;
  }

  async findById(id: string) {
    return (await this.invitations.all()).find((i) => i.id === id);
  }

  private async findByHash(hash: string, hashOf: HashOf) {
    return (await this.invitations.all()).find((i) => hashOf(i) === hash);
  }

  findByTokenHash(tokenHash: string) {
    return this.findByHash(tokenHash, HASHES[0]);
  }

  findByConsentStateHash(stateHash: string) {
    return this.findByHash(stateHash, HASHES[1]);
  }

  findByReviewTokenHash(reviewTokenHash: string) {
    return this.findByHash(reviewTokenHash, HASHES[2]);
  }

  async listInFlight() {
    return (await this.invitations.all()).filter((i) => i.status === 'signing_in' || i.status === 'token_acquired');
  }

  async listForTenant(tenantId: string) {
    return (await this.invitations.all(tenantId)).sort(newestFirst);
  }

  async listRecent(limit = 200) {
    return (await this.invitations.all()).sort(newestFirst).slice(0, limit);
  }

  update<F = never>(tenantId: string, id: string, mutate: (inv: Invitation) => Mutation<Invitation, F>) {
    return this.invitations.update(tenantId, id, mutate);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.invitations.all();
  }
}

export class MemoryPendingGuards implements PendingGuardStore {
  private readonly guards = new MemoryTable<PendingInvitationGuard>();

  async read(tenantId: string, guardId: string) {
    const stored = await this.guards.read(tenantId, guardId);
    return stored && { guard: stored.value, etag: stored.etag };
  }

  create(guard: PendingInvitationGuard) {
    return this.guards.create(guard.tenantId, guard);
  }

  replace(guard: PendingInvitationGuard, etag: string) {
    return this.guards.replace(guard.tenantId, guard, etag);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.guards.all();
  }
}

export class MemoryStaff implements StaffStore {
  private readonly staff = new MemoryTable<StaffMember>();

  async get(aadObjectId: string) {
    return (await this.staff.read(aadObjectId, aadObjectId))?.value;
  }

  put(member: StaffMember) {
    return this.staff.upsert(member.id, member);
  }

  remove(aadObjectId: string) {
    return this.staff.remove(aadObjectId, aadObjectId);
  }

  async list() {
    return (await this.staff.all()).sort((a, b) => a.addedAt.localeCompare(b.addedAt));
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.staff.all();
  }
}

export class MemoryConversations implements ConversationStore {
  private readonly conversations = new MemoryTable<SavedConversation>();

  save(conversation: Omit<SavedConversation, 'id'>) {
    return this.conversations.upsert(ONE, { ...conversation, id: conversation.conversationId });
  }

  async get(conversationId: string) {
    return (await this.conversations.read(ONE, conversationId))?.value;
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.conversations.all();
  }
}

export class MemoryAudit implements AuditLog {
  private readonly events = new MemoryTable<AuditEvent>();

  async append(event: AuditEvent) {
    await this.events.create(event.tenantId, event);
  }

  async listForTenant(tenantId: string, limit = 50) {
    return (await this.events.all(tenantId)).sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.events.all();
  }
}

export class MemoryLeases implements LeaseStore {
  private readonly leases = new MemoryTable<Lease>();

  async get(id: string) {
    return (await this.leases.read(id, id))?.value;
  }

  put(lease: Lease) {
    return this.leases.upsert(lease.id, lease);
  }

  async remove(id: string) {
    await this.leases.remove(id, id);
  }

  async read<T extends Lease>(id: string) {
    const stored = await this.leases.read(id, id);
    return stored && { value: stored.value as T, version: stored.etag };
  }

  create<T extends Lease>(lease: T) {
    return this.leases.insert(lease.id, lease);
  }

  replace<T extends Lease>(lease: T, version: string) {
    return this.leases.swap(lease.id, lease, version);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.leases.all();
  }
}

export class MemoryTokenCacheDocs implements TokenCacheDocs {
  private readonly caches = new MemoryTable<StoredTokenCache>();

  async get(tenantId: string) {
    return (await this.caches.read(tenantId, tenantId))?.value;
  }

  async getVersioned(tenantId: string) {
    const stored = await this.caches.read(tenantId, tenantId);
    return stored && { doc: stored.value, version: stored.etag };
  }

  replaceIfUnchanged(doc: StoredTokenCache, version: string) {
    return this.caches.replace(doc.tenantId, doc, version);
  }

  put(doc: StoredTokenCache) {
    return this.caches.upsert(doc.tenantId, doc);
  }

  async change(tenantId: string, next: (current: StoredTokenCache | undefined) => Promise<StoredTokenCache>) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.caches.read(tenantId, tenantId);
      if (!current) {
        if (await this.caches.create(tenantId, await next(undefined))) return;
        continue;
      }
      if (await this.caches.replace(tenantId, await next(current.value), current.etag)) return;
    }
    throw new Error(`token cache for ${tenantId}: too many concurrent writers`);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.caches.all();
  }
}

export class MemoryValidations implements ValidationStore {
  private readonly records = new MemoryTable<ValidationRecord>();

  async append(record: ValidationRecord) {
    await this.records.create(record.tenantId, record);
  }

  async listForTenant(tenantId: string, { since, limit }: { since: string; limit: number }) {
    return (await this.records.all(tenantId))
      .filter((r) => r.startedAt >= since)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id))
      .slice(0, limit);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.records.all();
  }
}

export class MemorySweeps implements SweepStore {
  private readonly runs = new MemoryTable<SweepRun>();

  async get(id: string) {
    return (await this.runs.read(id, id))?.value;
  }

  create(run: SweepRun) {
    return this.runs.create(run.id, run);
  }

  update<F = never>(id: string, mutate: (run: SweepRun) => Mutation<SweepRun, F>) {
    return this.runs.update(id, id, mutate);
  }

  /** Every stored document, for tests that look at the whole store. */
  documents() {
    return this.runs.all();
  }
}

/** Every store port, in memory. */
export type MemoryStores = ReturnType<typeof memoryStores>;

export function memoryStores() {
  return {
    tenants: new MemoryTenants(),
    invitations: new MemoryInvitations(),
    pendingGuards: new MemoryPendingGuards(),
    staff: new MemoryStaff(),
    conversations: new MemoryConversations(),
    audit: new MemoryAudit(),
    leases: new MemoryLeases(),
    tokenCacheDocs: new MemoryTokenCacheDocs(),
    validations: new MemoryValidations(),
    sweeps: new MemorySweeps(),
  } satisfies StorePorts;
}
