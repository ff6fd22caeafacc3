import type { Invitation } from '../../src/domain/invitation';
import type { CustomerTenant } from '../../src/domain/tenant';
import { historySince, VALIDATION_HISTORY, type ValidationRecord } from '../../src/domain/validation';
import type { StorePorts } from '../../src/usecases/ports';
import { cosmosStores } from '../../src/adapters/cosmos/cosmosStores';
import { memoryStores } from '../../src/adapters/memory/memoryStores';
import { startTestStore, TestStore } from '../support/cosmos';

/**
 * One contract for every store port, run against the Cosmos DB adapters (on a Cosmos-protocol
 * server over a real socket) and the in-memory ones, so the two cannot drift: every operation,
 * conflicts as values, create-if-absent, and concurrent writers.
 */

type Stores = StorePorts;

const T0 = '2026-12-01T08:00:00.000Z';
let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence++).toString(36)}`;

const tenant = (id = unique('t')): CustomerTenant => ({ id, tenantId: id, displayName: `Tenant ${id}`, authMode: 'password', authStatus: 'not_configured', createdAt: T0, createdBy: 'staff-1' }) as CustomerTenant;

const invitation = (tenantId: string, overrides: Partial<Invitation> = {}): Invitation =>
  ({
    id: unique('inv'),
    tenantId,
    tenantName: 'Tenant',
    email: 'admin@contoso.example',
    variant: 'global',
    status: 'created',
    tokenHash: unique('hash'),
    createdAt: T0,
    expiresAt: '2026-12-08T08:00:00.000Z',
    sentCount: 1,
    lastSentAt: T0,
    invitedBy: { aadObjectId: 'staff-1' },
    history: [],
    ...overrides,
  }) as Invitation;

let cosmos: TestStore;
beforeAll(async () => {
  cosmos = await startTestStore('contract');
});
afterAll(() => cosmos.close());

const ADAPTERS: [string, () => Stores][] = [
  ['Cosmos DB', () => cosmosStores(cosmos.store)],
  ['memory', () => memoryStores()],
];

describe.each(ADAPTERS)('the store ports on %s', (_name, make) => {
  let s: Stores;
  beforeEach(() => {
    s = make();
  });

  describe('tenants', () => {
    it('creates a tenant once and returns what is stored after', async () => {
      const t = tenant();
      expect(await s.tenants.ensure(t)).toEqual({ tenant: t, created: true });
      const again = await s.tenants.ensure({ ...t, displayName: 'other' });
      expect(again.created).toBe(false);
      expect(again.tenant.displayName).toBe(t.displayName);
      expect(await s.tenants.get(t.tenantId)).toEqual(t);
      expect(await s.tenants.get(unique('missing'))).toBeUndefined();
    });

    it('finds a tenant by any domain it was given', async () => {
      const t = tenant();
      await s.tenants.ensure({ ...t, domain: `${t.id}.onmicrosoft.com` });
      await s.tenants.addDomain(`${t.id}.example`, t.tenantId);
      expect((await s.tenants.findByDomain(`${t.id}.onmicrosoft.com`))?.tenantId).toBe(t.tenantId);
      expect((await s.tenants.findByDomain(`${t.id}.example`))?.tenantId).toBe(t.tenantId);
      expect(await s.tenants.findByDomain(`${unique('none')}.example`)).toBeUndefined();
    });

    it('updates conditionally: not found, rejected and applied are values', async () => {
      const t = tenant();
      expect(await s.tenants.update(unique('missing'), (x) => ({ ok: true, value: x }))).toEqual({ ok: false, reason: 'not-found' });
      await s.tenants.ensure(t);
      expect(await s.tenants.update<'no'>(t.tenantId, () => ({ ok: false, failure: 'no' }))).toEqual({ ok: false, reason: 'rejected', failure: 'no' });
      const applied = await s.tenants.update(t.tenantId, (x) => ({ ok: true, value: { ...x, displayName: 'Renamed' } }));
      expect(applied).toMatchObject({ ok: true, value: { displayName: 'Renamed' }, previous: { displayName: t.displayName } });
    });

    it('keeps every concurrent writer: each decides again on fresh data after losing', async () => {
      const t = tenant();
      await s.tenants.ensure({ ...t, displayName: '' });
      const writers = ['a', 'b', 'c', 'd'].map((letter) => s.tenants.update(t.tenantId, (x) => ({ ok: true, value: { ...x, displayName: `${x.displayName}${letter}` } })));
      const outcomes = await Promise.all(writers);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect([...((await s.tenants.get(t.tenantId))?.displayName ?? '')].sort().join('')).toBe('abcd');
    });

    it('lists tenants by name', async () => {
      const a = tenant();
      const b = tenant();
      await s.tenants.ensure({ ...b, displayName: `zz ${b.id}` });
      await s.tenants.ensure({ ...a, displayName: `aa ${a.id}` });
      const names = (await s.tenants.list()).map((x) => x.displayName).filter((n) => n.endsWith(a.id) || n.endsWith(b.id));
      expect(names).toEqual([`aa ${a.id}`, `zz ${b.id}`]);
    });
  });

  describe('invitations', () => {
    it('creates once, reads by tenant and id, and by id alone', async () => {
      const t = unique('t');
      const inv = invitation(t);
      expect(await s.invitations.create(inv)).toBe(true);
      expect(await s.invitations.create({ ...inv, email: 'other@x.example' })).toBe(false);
      expect(await s.invitations.get(t, inv.id)).toEqual(inv);
      expect(await s.invitations.findById(inv.id)).toEqual(inv);
      expect(await s.invitations.get(unique('other'), inv.id)).toBeUndefined();
    });

    it('finds an invitation by its current hashes only', async () => {
      const t = unique('t');
      const inv = invitation(t);
      await s.invitations.create(inv);
      expect((await s.invitations.findByTokenHash(inv.tokenHash))?.id).toBe(inv.id);
      const newHash = unique('hash');
      await s.invitations.update(t, inv.id, (x) => ({
        ok: true,
        value: { ...x, tokenHash: newHash, consent: { stateHash: 'state-' + newHash, reviewTokenHash: 'review-' + newHash, reviewToken: { v: 1, kid: 'k', iv: 'i', tag: 't', ct: 'c' }, requestedAt: T0, status: 'pending' } },
      }));
      expect(await s.invitations.findByTokenHash(inv.tokenHash)).toBeUndefined();
      expect((await s.invitations.findByTokenHash(newHash))?.id).toBe(inv.id);
      expect((await s.invitations.findByConsentStateHash('state-' + newHash))?.id).toBe(inv.id);
      expect((await s.invitations.findByReviewTokenHash('review-' + newHash))?.id).toBe(inv.id);
      expect(await s.invitations.findByTokenHash(unique('unknown'))).toBeUndefined();
    });

    it('lists one tenant\'s invitations newest first, and only theirs', async () => {
      const t = unique('t');
      const older = invitation(t, { createdAt: '2026-12-01T08:00:00.000Z' });
      const newer = invitation(t, { createdAt: '2026-12-01T09:00:00.000Z' });
      await s.invitations.create(older);
      await s.invitations.create(newer);
      await s.invitations.create(invitation(unique('someone-else')));
      expect((await s.invitations.listForTenant(t)).map((i) => i.id)).toEqual([newer.id, older.id]);
    });

    it('lists the flows in flight and the most recent invitations', async () => {
      const t = unique('t');
      const signing = invitation(t, { status: 'signing_in', createdAt: '2030-01-01T00:00:01.000Z' });
      const acquired = invitation(t, { status: 'token_acquired', createdAt: '2030-01-01T00:00:02.000Z' });
      const done = invitation(t, { status: 'activated', createdAt: '2030-01-01T00:00:03.000Z' });
      for (const i of [signing, acquired, done]) await s.invitations.create(i);
      const inFlight = (await s.invitations.listInFlight()).map((i) => i.id);
      expect(inFlight).toEqual(expect.arrayContaining([signing.id, acquired.id]));
      expect(inFlight).not.toContain(done.id);
      expect((await s.invitations.listRecent(2)).map((i) => i.id)).toEqual([done.id, acquired.id]);
    });

    it('updates conditionally, keeping concurrent writers', async () => {
      const t = unique('t');
      const inv = invitation(t, { sentCount: 0 });
      await s.invitations.create(inv);
      await Promise.all([1, 2, 3].map(() => s.invitations.update(t, inv.id, (x) => ({ ok: true, value: { ...x, sentCount: x.sentCount + 1 } }))));
      expect((await s.invitations.get(t, inv.id))?.sentCount).toBe(3);
      expect(await s.invitations.update(t, unique('missing'), (x) => ({ ok: true, value: x }))).toEqual({ ok: false, reason: 'not-found' });
    });
  });

  describe('pending invitation guards', () => {
    it('lets exactly one of concurrent claims create the guard, and replaces only on a fresh etag', async () => {
      const t = unique('t');
      const claims = ['a', 'b', 'c'].map((who) => s.pendingGuards.create({ id: 'guard-1', tenantId: t, invitationId: `inv-${who}`, claimedAt: T0 }));
      expect((await Promise.all(claims)).filter(Boolean)).toHaveLength(1);
      const read = await s.pendingGuards.read(t, 'guard-1');
      expect(read).toBeDefined();
      expect(await s.pendingGuards.replace({ ...read!.guard, invitationId: 'inv-z' }, read!.etag)).toBe(true);
      expect(await s.pendingGuards.replace({ ...read!.guard, invitationId: 'inv-late' }, read!.etag)).toBe(false);
      expect((await s.pendingGuards.read(t, 'guard-1'))?.guard.invitationId).toBe('inv-z');
      expect(await s.pendingGuards.read(t, 'guard-missing')).toBeUndefined();
    });
  });

  describe('staff, conversations, leases', () => {
    it('puts, reads, lists and removes staff', async () => {
      const id = unique('staff');
      await s.staff.put({ id, role: 'viewer', addedBy: 'admin', addedAt: '2026-12-01T08:00:00.000Z' });
      await s.staff.put({ id, role: 'operator', addedBy: 'admin', addedAt: '2026-12-01T08:00:00.000Z' });
      expect((await s.staff.get(id))?.role).toBe('operator');
      expect((await s.staff.list()).filter((m) => m.id === id)).toHaveLength(1);
      expect(await s.staff.remove(id)).toBe(true);
      expect(await s.staff.remove(id)).toBe(false);
      expect(await s.staff.get(id)).toBeUndefined();
    });

    it('keeps a member\'s name and UPN with the role, and drops them when a later put has none', async () => {
      const id = unique('staff');
      const named = { id, role: 'viewer' as const, addedBy: 'admin', addedAt: '2026-12-01T08:00:00.000Z', displayName: 'Megan Bowen', upn: 'MeganB@provider.example' };
      await s.staff.put(named);
      expect(await s.staff.get(id)).toEqual(named);
      expect((await s.staff.list()).find((m) => m.id === id)).toEqual(named);
      await s.staff.put({ id, role: 'operator', addedBy: 'admin', addedAt: '2026-12-01T09:00:00.000Z' });
      expect(await s.staff.get(id)).toEqual({ id, role: 'operator', addedBy: 'admin', addedAt: '2026-12-01T09:00:00.000Z' });
      await s.staff.remove(id);
    });

    it('saves a conversation under any Teams id, and reads it back', async () => {
      const conversationId = `19:${unique('c')}/x?y#z%*@thread.tacv2;messageid=1`;
      await s.conversations.save({ conversationId, kind: 'channel', reference: { a: 1 }, savedAt: T0 });
      expect(await s.conversations.get(conversationId)).toMatchObject({ conversationId, kind: 'channel', reference: { a: 1 } });
      expect(await s.conversations.get(`${conversationId}-other`)).toBeUndefined();
    });

    it('puts, reads and removes leases (removing a missing one is fine)', async () => {
      const id = unique('lease');
      await s.leases.put({ id, holder: 'a', expiresAt: T0 });
      expect(await s.leases.get(id)).toEqual({ id, holder: 'a', expiresAt: T0 });
      await s.leases.remove(id);
      await s.leases.remove(id);
      expect(await s.leases.get(id)).toBeUndefined();
    });
  });

  describe('audit', () => {
    it('appends an event once per id and lists a tenant\'s newest first', async () => {
      const t = unique('t');
      const event = (id: string, at: string) => ({ id, tenantId: t, at, actor: { kind: 'staff' as const, aadObjectId: 'a' }, action: 'x', outcome: 'ok' as const });
      await s.audit.append(event('e1', '2026-12-01T08:00:00.000Z'));
      await s.audit.append({ ...event('e1', '2026-12-01T08:00:00.000Z'), action: 'overwritten?' });
      await s.audit.append(event('e2', '2026-12-01T09:00:00.000Z'));
      const listed = await s.audit.listForTenant(t);
      expect(listed.map((e) => [e.id, e.action])).toEqual([['e2', 'x'], ['e1', 'x']]);
      expect(await s.audit.listForTenant(t, 1)).toHaveLength(1);
    });
  });

  describe('token cache documents', () => {
    it('creates on the first change and keeps every concurrent change', async () => {
      const t = unique('t');
      const sealed = (ct: string) => ({ v: 1 as const, kid: 'k', iv: 'i', tag: 't', ct });
      await Promise.all(['a', 'b', 'c'].map((part) => s.tokenCacheDocs.change(t, async (cur) => ({ id: t, tenantId: t, sealed: sealed(`${cur?.sealed.ct ?? ''}${part}`), updatedAt: T0 }))));
      expect([...((await s.tokenCacheDocs.get(t))?.sealed.ct ?? '')].sort().join('')).toBe('abc');
      await s.tokenCacheDocs.put({ id: t, tenantId: t, sealed: sealed('replaced'), updatedAt: T0 });
      expect((await s.tokenCacheDocs.get(t))?.sealed.ct).toBe('replaced');
    });

    it('replaces a document only at the version it was read at (one read and one write for a validation)', async () => {
      const t = unique('t');
      const sealed = (ct: string) => ({ v: 1 as const, kid: 'k', iv: 'i', tag: 't', ct });
      expect(await s.tokenCacheDocs.getVersioned(t)).toBeUndefined();
      await s.tokenCacheDocs.put({ id: t, tenantId: t, sealed: sealed('first'), updatedAt: T0 });
      const read = await s.tokenCacheDocs.getVersioned(t);
      expect(read?.doc.sealed.ct).toBe('first');
      expect(read?.doc).not.toHaveProperty('_etag');
      // Another writer in between: the replace is refused, and what they wrote stays.
      await s.tokenCacheDocs.put({ id: t, tenantId: t, sealed: sealed('theirs'), updatedAt: T0 });
      expect(await s.tokenCacheDocs.replaceIfUnchanged({ id: t, tenantId: t, sealed: sealed('mine'), updatedAt: T0 }, read!.version)).toBe(false);
      expect((await s.tokenCacheDocs.get(t))?.sealed.ct).toBe('theirs');
      const fresh = await s.tokenCacheDocs.getVersioned(t);
      expect(await s.tokenCacheDocs.replaceIfUnchanged({ id: t, tenantId: t, sealed: sealed('mine'), updatedAt: T0 }, fresh!.version)).toBe(true);
      expect((await s.tokenCacheDocs.get(t))?.sealed.ct).toBe('mine');
      // Of two writers that read the same version, exactly one wins.
      const both = await s.tokenCacheDocs.getVersioned(t);
      const wins = await Promise.all(['x', 'y'].map((ct) => s.tokenCacheDocs.replaceIfUnchanged({ id: t, tenantId: t, sealed: sealed(ct), updatedAt: T0 }, both!.version)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await s.tokenCacheDocs.replaceIfUnchanged({ id: unique('missing'), tenantId: unique('missing'), sealed: sealed('z'), updatedAt: T0 }, both!.version)).toBe(false);
    });
  });

  describe('validation history', () => {
    const record = (tenantId: string, id: string, startedAt: string): ValidationRecord => ({
      id,
      tenantId,
      startedAt,
      durationMs: 100,
      outcome: 'successful',
      trigger: 'sweep',
      by: 'sweep',
      checks: [{ check: 'token', result: 'passed', durationMs: 90, detail: 'a new access token' }],
      otherAccounts: [],
      ttl: 7_776_000,
    });

    it('appends once per id and lists one tenant newest first, within the limit and the retention', async () => {
      const t = unique('t');
      const other = unique('t');
      await s.validations.append(record(t, 'v1', '2026-09-01T08:00:00.000Z'));
      await s.validations.append(record(t, 'v2', '2026-11-30T08:00:00.000Z'));
      await s.validations.append(record(t, 'v3', '2026-12-01T08:00:00.000Z'));
      await s.validations.append({ ...record(t, 'v3', '2026-12-01T08:00:00.000Z'), outcome: 'failed' });
      await s.validations.append(record(other, 'v4', '2026-12-01T09:00:00.000Z'));

      const listed = await s.validations.listForTenant(t, { since: '2026-09-02T08:00:00.000Z', limit: 50 });
      expect(listed.map((r) => [r.id, r.outcome])).toEqual([['v3', 'successful'], ['v2', 'successful']]);
      expect(listed[0]).not.toHaveProperty('_etag');
      expect(listed[0].checks).toEqual([{ check: 'token', result: 'passed', durationMs: 90, detail: 'a new access token' }]);
      expect((await s.validations.listForTenant(t, { since: '2026-01-01T00:00:00.000Z', limit: 2 })).map((r) => r.id)).toEqual(['v3', 'v2']);
      expect((await s.validations.listForTenant(t, { since: '2026-01-01T00:00:00.000Z', limit: 50 })).map((r) => r.id)).toEqual(['v3', 'v2', 'v1']);
    });

    it('keeps only the last 50 and none past the retention when read, whatever the TTL clean-up has done yet', async () => {
      const t = unique('t');
      const now = new Date('2026-12-01T12:00:00.000Z');
      const starts = Array.from({ length: 55 }, (_, i) => new Date(now.getTime() - i * 3_600_000).toISOString());
      await Promise.all([...starts.map((at, i) => s.validations.append(record(t, `r${String(i).padStart(2, '0')}`, at))), s.validations.append(record(t, 'ancient', '2026-08-01T00:00:00.000Z'))]);
      const kept = await s.validations.listForTenant(t, { since: historySince(now), limit: VALIDATION_HISTORY.perTenant });
      expect(kept).toHaveLength(50);
      expect(kept[0].id).toBe('r00');
      expect(kept.at(-1)?.id).toBe('r49');
      expect(kept.map((r) => r.id)).not.toContain('ancient');
    });
  });
  describe('what the sweeps need', () => {
    const tokenTenant = (id: string): CustomerTenant => ({ ...tenant(id), authMode: 'token' });

    it('pages token-mode tenants in tenant-id order after a cursor, each with its version', async () => {
      const prefix = unique('sweep');
      const ids = ['c', 'a', 'b', 'd'].map((x) => `${prefix}-${x}`);
      for (const id of ids) await s.tenants.ensure(tokenTenant(id));
      await s.tenants.ensure(tenant(`${prefix}-bb`));
      const mine = (page: { value: CustomerTenant }[]) => page.map((v) => v.value.tenantId).filter((id) => id.startsWith(prefix));
      const first = await s.tenants.listForSweep(prefix, 2);
      expect(mine(first)).toEqual([`${prefix}-a`, `${prefix}-b`]);
      expect(first[0].value).not.toHaveProperty('_etag');
      expect(first[0].version).toEqual(expect.any(String));
      expect(mine(await s.tenants.listForSweep(first[1].value.tenantId, 10))).toEqual([`${prefix}-c`, `${prefix}-d`]);
      expect(mine(await s.tenants.listForSweep(`${prefix}-d`, 10))).toEqual([]);
    });

    it('updates from a copy the caller read (no read), and reads fresh when it is stale', async () => {
      const prefix = unique('sweep');
      await s.tenants.ensure(tokenTenant(`${prefix}-a`));
      const [known] = await s.tenants.listForSweep(`${prefix}`, 1);
      const seen: string[] = [];
      const renamed = await s.tenants.update(known.value.tenantId, (t) => (seen.push(t.displayName), { ok: true, value: { ...t, displayName: 'from the page' } }), known);
      expect(renamed.ok).toBe(true);
      // The copy is stale now: the store refuses it and the decision is taken again on what is stored.
      const again = await s.tenants.update(known.value.tenantId, (t) => (seen.push(t.displayName), { ok: true, value: { ...t, displayName: 'fresh' } }), known);
      expect(again.ok && again.value.displayName).toBe('fresh');
      expect(seen).toEqual([known.value.displayName, known.value.displayName, 'from the page']);
      expect((await s.tenants.get(known.value.tenantId))?.displayName).toBe('fresh');
    });

    it('creates and replaces a lease conditionally, with the new version each time', async () => {
      const id = unique('runner');
      const lease = { id, holder: 'a', expiresAt: T0, fence: 1 };
      const created = await s.leases.create(lease);
      expect(created).toEqual(expect.any(String));
      expect(await s.leases.create({ ...lease, holder: 'b' })).toBeUndefined();
      const read = await s.leases.read<typeof lease>(id);
      expect(read).toEqual({ value: lease, version: created });
      const replaced = await s.leases.replace({ ...lease, fence: 2 }, created!);
      expect(replaced).toEqual(expect.any(String));
      expect(replaced).not.toBe(created);
      expect(await s.leases.replace({ ...lease, fence: 3, holder: 'late' }, created!)).toBeUndefined();
      expect((await s.leases.read<typeof lease>(id))?.value).toEqual({ ...lease, fence: 2 });
      expect(await s.leases.read(unique('none'))).toBeUndefined();
      expect(await s.leases.replace({ id: unique('none'), holder: 'x', expiresAt: T0 }, replaced!)).toBeUndefined();
    });

    it('creates a sweep once and updates it conditionally', async () => {
      const id = unique('sweep');
      const run = { id, trigger: 'schedule' as const, requestedBy: { kind: 'system' as const, reason: 'schedule' }, status: 'running' as const, startedAt: T0, counts: { checked: 0, ok: 0, failed: 0, incomplete: 0, skipped: 0 }, runner: '', fence: 0, resumes: 0, ttl: 60 };
      expect(await s.sweeps.create(run)).toBe(true);
      expect(await s.sweeps.create({ ...run, runner: 'other' })).toBe(false);
      expect(await s.sweeps.get(id)).toEqual(run);
      const claimed = await s.sweeps.update<'fenced'>(id, (r) => (r.fence > 3 ? { ok: false, failure: 'fenced' } : { ok: true, value: { ...r, fence: 3, runner: 'a' } }));
      expect(claimed.ok && claimed.value.fence).toBe(3);
      expect(await s.sweeps.update<'fenced'>(id, (r) => (r.fence > 2 ? { ok: false, failure: 'fenced' } : { ok: true, value: r }))).toEqual({ ok: false, reason: 'rejected', failure: 'fenced' });
      expect(await s.sweeps.get(unique('none'))).toBeUndefined();
    });
  });
});
