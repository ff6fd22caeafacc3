import type { Container, ItemDefinition, PartitionKey, RequestOptions } from '@azure/cosmos';
import fc from 'fast-check';
import type { Invitation } from '../../src/domain/invitation';
import type { StaffMember } from '../../src/domain/staff';
import type { CustomerTenant } from '../../src/domain/tenant';
import { AuditRepository } from '../../src/adapters/cosmos/auditRepository';
import { AuditEvent } from '../../src/usecases/ports';
import { createIfAbsent, readItem, statusOf, updateIfMatch } from '../../src/adapters/cosmos/conditionalWrite';
import { Mutation } from '../../src/usecases/ports';
import { conversationDocumentId, ConversationRepository } from '../../src/adapters/cosmos/conversationRepository';
import { CONTAINERS, openStore, Store } from '../../src/adapters/cosmos/cosmosStore';
import { InvitationRepository } from '../../src/adapters/cosmos/invitationRepository';
import { StaffRepository } from '../../src/adapters/cosmos/staffRepository';
import { TenantRepository } from '../../src/adapters/cosmos/tenantRepository';
import { startTestStore, TestStore } from '../support/cosmos';

let test: TestStore;
const extraStores: Store[] = [];
let databases = 0;

/** A store on its own database of the same server: for views that read a whole container. */
async function isolatedStore(): Promise<Store> {
  const store = await openStore({ endpoint: test.server.endpoint, key: test.server.key, database: `isolated-${++databases}`, local: true });
  extraStores.push(store);
  return store;
}

beforeAll(async () => {
  test = await startTestStore();
});
afterAll(async () => {
  extraStores.forEach((s) => s.dispose());
  await test.close();
});

let unique = 0;
const uid = (prefix: string) => `${prefix}-${++unique}-${Date.now().toString(36)}`;

interface Counter {
  id: string;
  tenantId: string;
  ours: number;
  theirs: number;
}

/**
 * The container as `updateIfMatch` sees it, with another writer that gets in between its read and
 * its conditional replace — the race the `_etag` condition exists for.
 */
function withRivalWriter(container: Container, rivalWrites: (replaceNumber: number) => boolean): Container {
  let replaces = 0;
  return new Proxy(container, {
    get(target, prop) {
      if (prop !== 'item') {
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return (id: string, partitionKey: PartitionKey) => {
        const item = target.item(id, partitionKey);
        return new Proxy(item, {
          get(t, p) {
            if (p === 'replace') {
              return async (body: ItemDefinition, options?: RequestOptions) => {
                if (rivalWrites(++replaces)) {
                  const current = (await t.read<Counter>()).resource!;
                  await t.replace({ id: current.id, tenantId: current.tenantId, ours: current.ours, theirs: current.theirs + 1 });
                }
                return t.replace(body, options);
              };
            }
            const v = Reflect.get(t, p, t) as unknown;
            return typeof v === 'function' ? v.bind(t) : v;
          },
        });
      };
    },
  });
}

describe('openStore', () => {
  it('creates the database and every container with its partition key, and opening again is fine', async () => {
    const again = await openStore({ endpoint: test.server.endpoint, key: test.server.key, database: 'test', local: true });
    extraStores.push(again);
    const { resources } = await again.database.containers.readAll().fetchAll();
    const found = Object.fromEntries(resources.map((c) => [c.id, c.partitionKey?.paths]));
    for (const [name, path] of Object.entries(CONTAINERS)) expect(found[name]).toEqual([path]);
    // Same containers, same data: the second open did not recreate anything.
    const id = uid('t');
    await test.store.containers.tenants.items.create({ id, tenantId: id });
    expect(await readItem(again.containers.tenants, id, id)).toMatchObject({ id });
    expect(await again.ping()).toBe(true);
  });

  it('reports an unreachable database through ping, not a throw', async () => {
    const store = await isolatedStore();
    await store.database.delete();
    expect(await store.ping()).toBe(false);
  });
});

describe('updateIfMatch', () => {
  async function counter(): Promise<{ container: Container; id: string }> {
    const id = uid('c');
    await test.store.containers.tenants.items.create<Counter>({ id, tenantId: id, ours: 0, theirs: 0 });
    return { container: test.store.containers.tenants, id };
  }
  const bump = (seen: Counter[]) => (c: Counter): Mutation<Counter, never> => {
    seen.push(c);
    return { ok: true, value: { ...c, ours: c.ours + 1 } };
  };

  it('rests on the server refusing a replace with a stale _etag (412)', async () => {
    const { container, id } = await counter();
    const stale = (await readItem<Counter>(container, id, id))!._etag!;
    await container.item(id, id).replace({ id, tenantId: id, ours: 5, theirs: 0 });
    const error = await container.item(id, id).replace({ id, tenantId: id, ours: 6, theirs: 0 }, { accessCondition: { type: 'IfMatch', condition: stale } }).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(412);
  });

  it('applies the change and returns the value and what it replaced, without system properties', async () => {
    const { container, id } = await counter();
    const r = await updateIfMatch<Counter>(container, id, id, bump([]));
    expect(r).toEqual({ ok: true, value: { id, tenantId: id, ours: 1, theirs: 0 }, previous: { id, tenantId: id, ours: 0, theirs: 0 } });
    expect(await readItem<Counter>(container, id, id)).toMatchObject({ ours: 1, theirs: 0 });
  });

  it('decides again on fresh data when another writer got in between, so neither write is lost', async () => {
    const { container, id } = await counter();
    const seen: Counter[] = [];
    const r = await updateIfMatch<Counter>(withRivalWriter(container, (n) => n === 1), id, id, bump(seen));
    expect(seen.map((c) => [c.ours, c.theirs])).toEqual([[0, 0], [0, 1]]);
    expect(r).toMatchObject({ ok: true, value: { ours: 1, theirs: 1 }, previous: { ours: 0, theirs: 1 } });
    expect(await readItem<Counter>(container, id, id)).toMatchObject({ ours: 1, theirs: 1 });
  });

  it('reports a conflict after the given number of attempts when someone always wins, and writes nothing', async () => {
    const { container, id } = await counter();
    const seen: Counter[] = [];
    expect(await updateIfMatch<Counter>(withRivalWriter(container, () => true), id, id, bump(seen))).toEqual({ ok: false, reason: 'conflict' });
    expect(seen).toHaveLength(5);
    expect(await readItem<Counter>(container, id, id)).toMatchObject({ ours: 0, theirs: 5 });

    const fewer: Counter[] = [];
    expect(await updateIfMatch<Counter>(withRivalWriter(container, () => true), id, id, bump(fewer), 2)).toEqual({ ok: false, reason: 'conflict' });
    expect(fewer).toHaveLength(2);
  });

  it('says not-found for a missing document without calling mutate', async () => {
    const seen: Counter[] = [];
    expect(await updateIfMatch<Counter>(test.store.containers.tenants, 'nobody', 'nobody', bump(seen))).toEqual({ ok: false, reason: 'not-found' });
    expect(seen).toEqual([]);
  });

  it('says not-found when the document is deleted between the read and the replace', async () => {
    const { container, id } = await counter();
    const deleting = new Proxy(container, {
      get(target, prop) {
        if (prop !== 'item') {
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? v.bind(target) : v;
        }
        return (itemId: string, pk: PartitionKey) => {
          const item = target.item(itemId, pk);
          return Object.assign(Object.create(item) as object, {
            read: item.read.bind(item),
            replace: async (body: ItemDefinition, options?: RequestOptions) => {
              await item.delete().catch(() => undefined);
              return item.replace(body, options);
            },
          });
        };
      },
    });
    expect(await updateIfMatch<Counter>(deleting, id, id, bump([]))).toEqual({ ok: false, reason: 'not-found' });
  });

  it('passes a rejection through and leaves the document untouched', async () => {
    const { container, id } = await counter();
    const before = (await readItem<Counter>(container, id, id))!;
    const r = await updateIfMatch<Counter, { why: string }>(container, id, id, () => ({ ok: false, failure: { why: 'not now' } }));
    expect(r).toEqual({ ok: false, reason: 'rejected', failure: { why: 'not now' } });
    expect((await readItem<Counter>(container, id, id))!._etag).toBe(before._etag);
  });

  it('createIfAbsent creates once and then says false', async () => {
    const id = uid('x');
    expect(await createIfAbsent(test.store.containers.tenants, { id, tenantId: id, n: 1 })).toBe(true);
    expect(await createIfAbsent(test.store.containers.tenants, { id, tenantId: id, n: 2 })).toBe(false);
    expect(await readItem(test.store.containers.tenants, id, id)).toMatchObject({ n: 1 });
  });
});

function tenant(id: string, displayName: string, domain?: string): CustomerTenant {
  return { id, tenantId: id, displayName, domain, authMode: 'password', authStatus: 'not_configured', createdAt: '2026-03-01T09:00:00.000Z', createdBy: 'someone' };
}

const SYSTEM_PROPERTIES = ['_etag', '_ts', '_rid', '_self', '_attachments'];
const expectNoSystemProperties = (doc: object | undefined) => {
  expect(doc).toBeDefined();
  for (const p of SYSTEM_PROPERTIES) expect(doc).not.toHaveProperty(p);
};

describe('TenantRepository', () => {
  it('ensure creates once; a second ensure keeps what is stored', async () => {
    const tenants = new TenantRepository(test.store.containers.tenants, test.store.containers.tenantDomains);
    const id = uid('tenant');
    expect(await tenants.ensure(tenant(id, 'Contoso', 'contoso.com'))).toEqual({ tenant: tenant(id, 'Contoso', 'contoso.com'), created: true });
    const again = await tenants.ensure(tenant(id, 'Someone else'));
    expect(again.created).toBe(false);
    expect(again.tenant).toMatchObject({ displayName: 'Contoso', domain: 'contoso.com' });
    expectNoSystemProperties(again.tenant);
    expectNoSystemProperties(await tenants.get(id));
  });

  it('finds a tenant by domain, and nothing for an unknown domain', async () => {
    const tenants = new TenantRepository(test.store.containers.tenants, test.store.containers.tenantDomains);
    const id = uid('tenant');
    const domain = `${id}.onmicrosoft.com`;
    await tenants.ensure(tenant(id, 'Fabrikam', domain));
    expect(await tenants.findByDomain(domain)).toMatchObject({ id, displayName: 'Fabrikam' });
    expect(await tenants.findByDomain(`not-${domain}`)).toBeUndefined();
    expect(await tenants.get(`not-${id}`)).toBeUndefined();
  });

  it("remembers a domain's tenant id (it does not change) but reads the tenant every time", async () => {
    const tenants = new TenantRepository(test.store.containers.tenants, test.store.containers.tenantDomains);
    const id = uid('tenant');
    const domain = `${id}.onmicrosoft.com`;
    await tenants.ensure(tenant(id, 'Fabrikam', domain));
    expect(await tenants.findByDomain(domain)).toMatchObject({ id });
    // The index entry gone: the remembered id still finds the tenant, with what it holds now.
    await test.store.containers.tenantDomains.item(domain, domain).delete();
    await tenants.update(id, (t) => ({ ok: true, value: { ...t, displayName: 'Fabrikam Fiber' } }));
    expect(await tenants.findByDomain(domain)).toMatchObject({ id, displayName: 'Fabrikam Fiber' });
    // A tenant that no longer lists the domain is not taken on trust: the index is asked again.
    await tenants.update(id, (t) => ({ ok: true, value: { ...t, domain: `other-${domain}` } }));
    expect(await tenants.findByDomain(domain)).toBeUndefined();
  });

  it('lists tenants by name, up to the limit', async () => {
    const isolated = await isolatedStore();
    const tenants = new TenantRepository(isolated.containers.tenants, isolated.containers.tenantDomains);
    for (const name of ['Northwind', 'Contoso', 'Fabrikam', 'Adatum']) await tenants.ensure(tenant(uid('t'), name));
    const all = await tenants.list();
    expect(all.map((t) => t.displayName)).toEqual(['Adatum', 'Contoso', 'Fabrikam', 'Northwind']);
    all.forEach(expectNoSystemProperties);
    expect((await tenants.list(2)).map((t) => t.displayName)).toEqual(['Adatum', 'Contoso']);
  });

  it('updates conditionally', async () => {
    const tenants = new TenantRepository(test.store.containers.tenants, test.store.containers.tenantDomains);
    const id = uid('tenant');
    await tenants.ensure(tenant(id, 'Contoso'));
    const r = await tenants.update(id, (t) => ({ ok: true, value: { ...t, authMode: 'token' } }));
    expect(r.ok && r.value.authMode).toBe('token');
    expect((await tenants.get(id))?.authMode).toBe('token');
  });
});

function invitation(overrides: Partial<Invitation> & Pick<Invitation, 'id' | 'tenantId'>): Invitation {
  return {
    tenantName: 'contoso.com',
    email: 'admin@contoso.com',
    variant: 'global',
    status: 'created',
    tokenHash: `${overrides.id}-hash`,
    createdAt: '2026-03-01T09:00:00.000Z',
    expiresAt: '2026-03-08T09:00:00.000Z',
    sentCount: 1,
    lastSentAt: '2026-03-01T09:00:00.000Z',
    invitedBy: { aadObjectId: 'someone' },
    history: [{ at: '2026-03-01T09:00:00.000Z', event: 'create', status: 'created' }],
    ...overrides,
  };
}

describe('InvitationRepository', () => {
  it('creates an invitation once; the same id again is refused and changes nothing', async () => {
    const invitations = new InvitationRepository(test.store.containers.invitations, test.store.containers.links);
    const tenantId = uid('tenant');
    const id = uid('inv');
    expect(await invitations.create(invitation({ id, tenantId }))).toBe(true);
    expect(await invitations.create(invitation({ id, tenantId, email: 'other@contoso.com' }))).toBe(false);
    const stored = await invitations.get(tenantId, id);
    expect(stored).toEqual(invitation({ id, tenantId }));
  });

  it('finds by id and by token hash, and nothing for unknown ones', async () => {
    const invitations = new InvitationRepository(test.store.containers.invitations, test.store.containers.links);
    const tenantId = uid('tenant');
    const id = uid('inv');
    await invitations.create(invitation({ id, tenantId, tokenHash: `hash-of-${id}` }));
    const byId = await invitations.findById(id);
    expect(byId).toEqual(invitation({ id, tenantId, tokenHash: `hash-of-${id}` }));
    expectNoSystemProperties(byId);
    expect(await invitations.findByTokenHash(`hash-of-${id}`)).toMatchObject({ id, tenantId });
    expect(await invitations.findById(`${id}-nope`)).toBeUndefined();
    expect(await invitations.findByTokenHash(`${id}-nope`)).toBeUndefined();
    expect(await invitations.get(`${tenantId}-other`, id)).toBeUndefined();
  });

  it("lists one tenant's invitations newest first, and none of another tenant's", async () => {
    const invitations = new InvitationRepository(test.store.containers.invitations, test.store.containers.links);
    const tenantId = uid('tenant');
    const other = uid('tenant');
    await invitations.create(invitation({ id: uid('inv'), tenantId, createdAt: '2026-03-01T00:00:00.000Z' }));
    await invitations.create(invitation({ id: uid('inv'), tenantId, createdAt: '2026-03-03T00:00:00.000Z' }));
    await invitations.create(invitation({ id: uid('inv'), tenantId: other, createdAt: '2026-03-02T00:00:00.000Z' }));
    await invitations.create(invitation({ id: uid('inv'), tenantId, createdAt: '2026-03-02T00:00:00.000Z' }));
    const listed = await invitations.listForTenant(tenantId);
    expect(listed.map((i) => [i.tenantId, i.createdAt.slice(0, 10)])).toEqual([
      [tenantId, '2026-03-03'],
      [tenantId, '2026-03-02'],
      [tenantId, '2026-03-01'],
    ]);
    listed.forEach(expectNoSystemProperties);
  });

  it('lists recent invitations across tenants newest first, up to the limit', async () => {
    const invitations = new InvitationRepository(...(await isolatedStore().then((st) => [st.containers.invitations, st.containers.links] as const)));
    const days = [4, 1, 7, 3, 5];
    for (const d of days) await invitations.create(invitation({ id: uid('inv'), tenantId: uid('tenant'), createdAt: `2026-03-0${d}T00:00:00.000Z` }));
    expect((await invitations.listRecent()).map((i) => i.createdAt.slice(8, 10))).toEqual(['07', '05', '04', '03', '01']);
    expect((await invitations.listRecent(2)).map((i) => i.createdAt.slice(8, 10))).toEqual(['07', '05']);
  });

  it('updates conditionally and passes rejections through', async () => {
    const invitations = new InvitationRepository(test.store.containers.invitations, test.store.containers.links);
    const tenantId = uid('tenant');
    const id = uid('inv');
    await invitations.create(invitation({ id, tenantId }));
    const r = await invitations.update(tenantId, id, (inv) => ({ ok: true, value: { ...inv, sentCount: inv.sentCount + 1 } }));
    expect(r.ok && r.value.sentCount).toBe(2);
    expect(await invitations.update<string>(tenantId, id, () => ({ ok: false, failure: 'no' }))).toEqual({ ok: false, reason: 'rejected', failure: 'no' });
    expect(await invitations.update(`${tenantId}-other`, id, (inv) => ({ ok: true, value: inv }))).toEqual({ ok: false, reason: 'not-found' });
  });
});

describe('StaffRepository', () => {
  const member = (id: string, role: StaffMember['role'], addedAt: string): StaffMember => ({ id, role, addedBy: 'admin', addedAt });

  it('puts, gets, replaces and removes a role', async () => {
    const staff = new StaffRepository(test.store.containers.staff);
    const id = uid('staff');
    expect(await staff.get(id)).toBeUndefined();
    await staff.put(member(id, 'viewer', '2026-03-01T00:00:00.000Z'));
    expect(await staff.get(id)).toEqual(member(id, 'viewer', '2026-03-01T00:00:00.000Z'));
    await staff.put(member(id, 'operator', '2026-03-02T00:00:00.000Z'));
    expect((await staff.get(id))?.role).toBe('operator');
    expect(await staff.remove(id)).toBe(true);
    expect(await staff.remove(id)).toBe(false);
    expect(await staff.get(id)).toBeUndefined();
  });

  it('lists staff in the order they were added', async () => {
    const staff = new StaffRepository((await isolatedStore()).containers.staff);
    await staff.put(member('b', 'admin', '2026-03-02T00:00:00.000Z'));
    await staff.put(member('a', 'viewer', '2026-03-03T00:00:00.000Z'));
    await staff.put(member('c', 'operator', '2026-03-01T00:00:00.000Z'));
    const listed = await staff.list();
    expect(listed.map((m) => m.id)).toEqual(['c', 'b', 'a']);
    listed.forEach(expectNoSystemProperties);
  });
});

describe('AuditRepository', () => {
  const event = (id: string, tenantId: string, at: string, detail = 'first'): AuditEvent => ({
    id,
    tenantId,
    at,
    actor: { kind: 'staff', aadObjectId: 'someone', tenantId: 'provider-tenant' },
    action: 'invitation.create',
    outcome: 'ok',
    detail,
  });

  it('appends once per id: a retried append neither duplicates nor overwrites', async () => {
    const audit = new AuditRepository(test.store.containers.audit);
    const tenantId = uid('tenant');
    await audit.append(event('aud-1', tenantId, '2026-03-01T00:00:00.000Z'));
    await audit.append(event('aud-1', tenantId, '2026-03-01T00:00:05.000Z', 'second'));
    expect(await audit.listForTenant(tenantId)).toEqual([event('aud-1', tenantId, '2026-03-01T00:00:00.000Z')]);
  });

  it("lists one tenant's events newest first, up to the limit", async () => {
    const audit = new AuditRepository(test.store.containers.audit);
    const tenantId = uid('tenant');
    for (const [i, d] of [2, 9, 5].entries()) await audit.append(event(`aud-${tenantId}-${i}`, tenantId, `2026-03-0${d}T00:00:00.000Z`));
    await audit.append(event(`aud-${tenantId}-other`, `${tenantId}-other`, '2026-03-08T00:00:00.000Z'));
    expect((await audit.listForTenant(tenantId)).map((e) => e.at.slice(8, 10))).toEqual(['09', '05', '02']);
    expect((await audit.listForTenant(tenantId, 1)).map((e) => e.at.slice(8, 10))).toEqual(['09']);
  });
});

describe('ConversationRepository', () => {
  const TEAMS_IDS = [
    '19:abc@thread.tacv2;messageid=1/2',
    '19:3d1f8a6c0b2e4f7a9c5d@thread.tacv2;messageid=1700000000000',
    'a:1Gx2ZpQ-7kR_Jm/9vN8sT?x#y\\z',
    '29:1abc%2fdef',
    'a*b',
  ];

  it.each(TEAMS_IDS)('saves and reads back %s', async (conversationId) => {
    const conversations = new ConversationRepository(test.store.containers.conversations);
    await conversations.save({ conversationId, kind: 'channel', reference: { conversation: { id: conversationId } }, savedAt: '2026-03-01T00:00:00.000Z' });
    const saved = await conversations.get(conversationId);
    expect(saved).toEqual({
      id: conversationDocumentId(conversationId),
      conversationId,
      kind: 'channel',
      reference: { conversation: { id: conversationId } },
      savedAt: '2026-03-01T00:00:00.000Z',
    });
  });

  it('keeps one document per conversation: saving again replaces it', async () => {
    const conversations = new ConversationRepository(test.store.containers.conversations);
    const conversationId = `19:${uid('c')}@thread.tacv2;messageid=1/2`;
    await conversations.save({ conversationId, kind: 'channel', reference: { v: 1 }, savedAt: '2026-03-01T00:00:00.000Z' });
    await conversations.save({ conversationId, kind: 'channel', reference: { v: 2 }, savedAt: '2026-03-02T00:00:00.000Z' });
    expect((await conversations.get(conversationId))?.reference).toEqual({ v: 2 });
    expect(await conversations.get(`${conversationId}x`)).toBeUndefined();
  });

  it('never confuses two conversations whose ids differ only where escaping happens', async () => {
    const conversations = new ConversationRepository(test.store.containers.conversations);
    const base = uid('c');
    const ids = [`${base}/1`, `${base}%2f1`, `${base}*2f1`, `${base}\\1`];
    for (const [i, conversationId] of ids.entries()) await conversations.save({ conversationId, kind: 'personal', reference: { i }, savedAt: '2026-03-01T00:00:00.000Z' });
    for (const [i, conversationId] of ids.entries()) expect((await conversations.get(conversationId))?.reference).toEqual({ i });
  });

  it('maps any conversation id to a document id Cosmos can address, one to one', () => {
    // Cosmos forbids / \ ? # in ids, and the service URL-decodes the item path, so an id holding
    // "%2f" cannot be read, replaced or deleted there (Azure/azure-cosmos-dotnet-v2#458, #547).
    const text = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('/', '\\', '?', '#', '%', '*', '2', 'f', 'a', ':', ';', '@') }));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(conversationDocumentId(a)).not.toMatch(/[/\\?#%]/);
        if (a !== b) expect(conversationDocumentId(a)).not.toBe(conversationDocumentId(b));
      }),
      { numRuns: 2000 },
    );
    expect(conversationDocumentId('19:abc@thread.tacv2;messageid=1700000000000')).toBe('19:abc@thread.tacv2;messageid=1700000000000');
  });
});
