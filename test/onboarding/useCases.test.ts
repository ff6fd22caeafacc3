import { ManualClock } from '../support/clocks';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { createAudit } from '../../src/usecases/audit/recordAudit';
import type { Audit } from '../../src/usecases/ports';
import { DAY_MS } from '../../src/clock';
import { stableId } from '../../src/usecases/stableId';
import type { TenantRef } from '../../src/domain/inputs';
import type { Invitation } from '../../src/domain/invitation';
import { Actor, Role, ROLES } from '../../src/domain/staff';
import type { TenantDirectory, TenantLookup } from '../../src/usecases/ports';
import { resendInvitation, revokeInvitation } from '../../src/usecases/invitations/changeInvitation';
import { inviteAdmin, InviteInput } from '../../src/usecases/invitations/inviteAdmin';
import { listInvitations } from '../../src/usecases/invitations/listInvitations';
import type { OnboardingDeps } from '../../src/usecases/invitations/onboardingDeps';
import { cryptoRandom, Random, toCrockford } from '../../src/random';
import { authorizeStaff, roleOf, StaffPolicy } from '../../src/usecases/staff/authorizeStaff';
import { addStaff, listStaff, removeStaff, StaffDeps } from '../../src/usecases/staff/manageStaff';
import { memoryStores } from '../../src/adapters/memory/memoryStores';
import type { AuditEvent, StaffStore } from '../../src/usecases/ports';
import { PROVIDER_PARTITION } from '../../src/usecases/audit/recordAudit';
import { getTenantStatus } from '../../src/usecases/tenants/getTenantStatus';
import { listTenants } from '../../src/usecases/tenants/listTenants';
import type { DeviceCodeAuthority, DeviceCodeOutcome } from '../../src/usecases/ports';
import { createSignIn } from '../../src/usecases/signIn/signIn';
import { notePostedIn } from '../../src/usecases/invitations/notePostedIn';
import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { ephemeralKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { createLogger } from '../../src/log';

const PROVIDER_TENANT = '9f6a1f3e-2b8c-4d5e-a7f0-1c2d3e4f5a6b';
const BOOTSTRAP_ADMIN = '5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a';
const OPERATOR: Actor = { aadObjectId: '11111111-1111-4111-8111-111111111111', tenantId: PROVIDER_TENANT, name: 'Olga Operator' };
const CONTOSO = { id: '0f0e0d0c-0b0a-4909-8807-060504030201', domain: 'contoso.onmicrosoft.com' };
const FABRIKAM = { id: '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d', domain: 'fabrikam.com' };
const T0 = new Date('2026-03-01T09:00:00.000Z');
const TTL_DAYS = 3;
const BASE_URL = 'https://tenant-access.contoso-msp.com';


/** Deterministic randomness that records how much entropy was asked for. */
class CountingRandom implements Random {
  readonly tokenBytes: number[] = [];
  private n = 0;
  token(bytes = 32): string {
    this.tokenBytes.push(bytes);
    const seed = createHash('sha256').update(`token-${++this.n}`).digest();
    return Buffer.from(Array.from({ length: bytes }, (_, i) => seed[i % seed.length])).toString('base64url');
  }
  shortId(length = 10): string {
    return toCrockford(createHash('sha256').update(`id-${++this.n}`).digest(), length);
  }
  correlationId(): string {
    return this.shortId(12);
  }
}

class FakeDirectory implements TenantDirectory {
  readonly lookups: TenantRef[] = [];
  async resolve(ref: TenantRef): Promise<TenantLookup> {
    this.lookups.push(ref);
    if (ref.value === 'down.example.com') return { ok: false, reason: 'unavailable' };
    for (const t of [CONTOSO, FABRIKAM]) {
      if (ref.kind === 'id' && ref.value === t.id) return { ok: true, tenantId: t.id };
      if (ref.kind === 'domain' && ref.value === t.domain) return { ok: true, tenantId: t.id, domain: t.domain };
    }
    return { ok: false, reason: 'not-found' };
  }
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface World {
  /** Invitation ids whose sign-in the use cases stopped through the FlowControl port. */
  cancelled: string[];
  clock: ManualClock;
  random: CountingRandom;
  directory: FakeDirectory;
  deps: OnboardingDeps;
  staffDeps: StaffDeps;
  staff: StaffStore;
  policy: StaffPolicy;
  audit: Audit;
  auditEvents(): Promise<AuditEvent[]>;
  rawInvitations(): Promise<unknown[]>;
}

/** Fresh in-memory stores per test (the contract suite holds them to the Cosmos adapters' behaviour). */
async function world(): Promise<World> {
  const stores = memoryStores();
  const cancelled: string[] = [];
  const clock = new ManualClock(T0);
  const random = new CountingRandom();
  const directory = new FakeDirectory();
  const audit = createAudit(stores.audit, clock);
  const staff = stores.staff;
  const policy: StaffPolicy = { providerTenantIds: [PROVIDER_TENANT], bootstrapAdmins: [BOOTSTRAP_ADMIN] };
  const deps: OnboardingDeps = {
    clock,
    random,
    tenants: stores.tenants,
    invitations: stores.invitations,
    pendingGuards: stores.pendingGuards,
    flows: { cancel: (invitationId: string) => void cancelled.push(invitationId) },
    directory,
    audit,
    invitationTtlDays: TTL_DAYS,
    publicBaseUrl: BASE_URL,
  };
  return {
    cancelled,
    clock,
    random,
    directory,
    deps,
    staff,
    policy,
    audit,
    staffDeps: { staff, policy, audit, clock },
    auditEvents: async () => (await stores.audit.documents()).sort((a, b) => a.at.localeCompare(b.at)),
    rawInvitations: () => stores.invitations.listRecent(Number.MAX_SAFE_INTEGER),
  };
}

const invite = (w: World, overrides: Partial<InviteInput> = {}) =>
  inviteAdmin(w.deps, {
    tenant: { kind: 'domain', value: CONTOSO.domain },
    email: 'admin@contoso.com',
    variant: 'global',
    actor: OPERATOR,
    requestKey: `conv|${Math.random()}`,
    ...overrides,
  });

async function invited(w: World, overrides: Partial<InviteInput> = {}): Promise<{ invitation: Invitation; link: string; token: string }> {
  const r = await invite(w, overrides);
  if (!r.ok) throw new Error(`invite failed: ${r.reason}`);
  return { invitation: r.invitation, link: r.link, token: r.link.slice(`${BASE_URL}/invite/`.length) };
}

describe('inviteAdmin', () => {
  it('creates the tenant and an invitation that expires after the configured days, and links to it once', async () => {
    const w = await world();
    const r = await invite(w, { requestKey: 'conv-1|act-1', variant: 'delegated' });
    if (!r.ok) throw new Error(r.reason);
    expect(r.tenantCreated).toBe(true);
    expect(r.tenant).toMatchObject({ id: CONTOSO.id, tenantId: CONTOSO.id, displayName: CONTOSO.domain, domain: CONTOSO.domain, authMode: 'token', authStatus: 'not_configured' });
    expect(r.invitation).toMatchObject({
      id: stableId('inv-', 'invite|conv-1|act-1'),
      tenantId: CONTOSO.id,
      tenantName: CONTOSO.domain,
      email: 'admin@contoso.com',
      variant: 'delegated',
      status: 'created',
      createdAt: T0.toISOString(),
      expiresAt: new Date(T0.getTime() + TTL_DAYS * DAY_MS).toISOString(),
      sentCount: 1,
      lastSentAt: T0.toISOString(),
      invitedBy: { aadObjectId: OPERATOR.aadObjectId, name: OPERATOR.name },
      history: [{ at: T0.toISOString(), event: 'create', status: 'created', by: OPERATOR.aadObjectId }],
    });
    expect(r.link).toMatch(new RegExp(`^${BASE_URL}/invite/[A-Za-z0-9_-]+$`));
    expect(await w.deps.invitations.get(CONTOSO.id, r.invitation.id)).toEqual(JSON.parse(JSON.stringify(r.invitation)));
    expect(await w.deps.tenants.get(CONTOSO.id)).toMatchObject({ domain: CONTOSO.domain });
  });

  it('uses a link token of at least 128 bits and stores only its SHA-256', async () => {
    const w = await world();
    const { invitation, token } = await invited(w);
    expect(Math.min(...w.random.tokenBytes)).toBeGreaterThanOrEqual(16);
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(invitation.tokenHash).toBe(sha256(token));
    expect(await w.deps.invitations.findByTokenHash(sha256(token))).toMatchObject({ id: invitation.id });
    const everythingStored = JSON.stringify([await w.rawInvitations(), await w.auditEvents(), await w.deps.tenants.list()]);
    expect(everythingStored).not.toContain(token);
  });

  it('draws real links from the system random source with at least 128 bits, all different', async () => {
    const w = await world();
    const deps = { ...w.deps, random: cryptoRandom };
    const tokens = new Set<string>();
    for (const email of ['a@contoso.com', 'b@contoso.com', 'c@contoso.com']) {
      const r = await inviteAdmin(deps, { tenant: { kind: 'id', value: CONTOSO.id }, email, variant: 'global', actor: OPERATOR, requestKey: email });
      if (!r.ok) throw new Error(r.reason);
      const token = r.link.split('/').pop()!;
      expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
      expect(r.invitation.tokenHash).toBe(sha256(token));
      tokens.add(token);
    }
    expect(tokens.size).toBe(3);
  });

  it('audits the creation under an id derived from the request, in the tenant partition', async () => {
    const w = await world();
    const { invitation } = await invited(w, { requestKey: 'conv-1|act-7' });
    const events = await w.auditEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      // Keyed by the invitation (itself derived from the request), so any later path can write it once.
      id: stableId('aud-', `invitation.create|${invitation.id}|${invitation.id}`, 20),
      tenantId: CONTOSO.id,
      at: T0.toISOString(),
      actor: { aadObjectId: OPERATOR.aadObjectId, tenantId: PROVIDER_TENANT, name: OPERATOR.name },
      action: 'invitation.create',
      outcome: 'ok',
      target: invitation.id,
    });
    expect(events[0].detail).toContain('admin@contoso.com');
  });

  it('creates nothing twice for a redelivered request', async () => {
    const w = await world();
    const first = await invited(w, { requestKey: 'conv-1|act-1' });
    w.clock.advance(1000);
    const again = await invite(w, { requestKey: 'conv-1|act-1' });
    expect(again).toEqual({ ok: false, reason: 'duplicate-request', existing: JSON.parse(JSON.stringify(first.invitation)) });
    expect(await w.rawInvitations()).toHaveLength(1);
    expect(await w.auditEvents()).toHaveLength(1);
  });

  it('allows one pending invitation per tenant and email', async () => {
    const w = await world();
    const first = await invited(w);
    const second = await invite(w);
    expect(second).toMatchObject({ ok: false, reason: 'already-pending', existing: { id: first.invitation.id } });
    // The same address in another case is the same mailbox.
    expect(await invite(w, { email: 'ADMIN@contoso.com' })).toMatchObject({ ok: false, reason: 'already-pending' });
    // Another admin of the same tenant, or the same address for another tenant, is a new invitation.
    expect(await invite(w, { email: 'it@contoso.com' })).toMatchObject({ ok: true, tenantCreated: false });
    expect(await invite(w, { tenant: { kind: 'domain', value: FABRIKAM.domain } })).toMatchObject({ ok: true, tenantCreated: true });
    expect(await w.rawInvitations()).toHaveLength(3);
  });

  it('allows a new invitation once the pending one is revoked or expired', async () => {
    const w = await world();
    const first = await invited(w);
    expect((await revokeInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'r1' })).ok).toBe(true);
    const second = await invited(w);
    w.clock.advance(TTL_DAYS * DAY_MS);
    const third = await invite(w);
    expect(third.ok).toBe(true);
    expect(new Set([first.invitation.id, second.invitation.id, third.ok ? third.invitation.id : ''])).toHaveProperty('size', 3);
  });

  it('writes nothing when Entra does not know the tenant or does not answer', async () => {
    const w = await world();
    expect(await invite(w, { tenant: { kind: 'domain', value: 'unknown.example.com' } })).toEqual({ ok: false, reason: 'tenant-not-found', tenant: { kind: 'domain', value: 'unknown.example.com' } });
    expect(await invite(w, { tenant: { kind: 'domain', value: 'down.example.com' } })).toEqual({ ok: false, reason: 'directory-unavailable', tenant: { kind: 'domain', value: 'down.example.com' } });
    expect(await w.rawInvitations()).toEqual([]);
    expect(await w.deps.tenants.list()).toEqual([]);
    expect(await w.auditEvents()).toEqual([]);
  });

  it('finds a tenant named by id the same as by domain', async () => {
    const w = await world();
    await invited(w, { tenant: { kind: 'domain', value: CONTOSO.domain } });
    expect(await invite(w, { tenant: { kind: 'id', value: CONTOSO.id } })).toMatchObject({ ok: false, reason: 'already-pending' });
  });
});

describe('resendInvitation', () => {
  it('issues a new link, stops the old one, counts the send and extends the expiry', async () => {
    const w = await world();
    const first = await invited(w);
    w.clock.advance(DAY_MS);
    const r = await resendInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'conv|resend-1' });
    if (!r.ok) throw new Error(r.reason);
    const newToken = r.link.slice(`${BASE_URL}/invite/`.length);
    expect(newToken).not.toBe(first.token);
    expect(r.invitation).toMatchObject({
      status: 'created',
      tokenHash: sha256(newToken),
      sentCount: 2,
      lastSentAt: w.clock.now().toISOString(),
      expiresAt: new Date(w.clock.now().getTime() + TTL_DAYS * DAY_MS).toISOString(),
      createdAt: T0.toISOString(),
    });
    expect(r.invitation.history[r.invitation.history.length - 1]).toMatchObject({ event: 'reissue', by: OPERATOR.aadObjectId });
    expect(await w.deps.invitations.findByTokenHash(sha256(first.token))).toBeUndefined();
    expect(await w.deps.invitations.findByTokenHash(sha256(newToken))).toMatchObject({ id: first.invitation.id, sentCount: 2 });
    expect(JSON.stringify(await w.rawInvitations())).not.toContain(newToken);
    const resendAudit = (await w.auditEvents()).find((e) => e.action === 'invitation.resend');
    expect(resendAudit).toMatchObject({ id: stableId('aud-', `invitation.resend|${first.invitation.id}|conv|resend-1`, 20), outcome: 'ok', tenantId: CONTOSO.id });
  });

  it('revives an expired invitation with a fresh expiry', async () => {
    const w = await world();
    const first = await invited(w);
    w.clock.advance(10 * DAY_MS);
    const r = await resendInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'k' });
    expect(r.ok && Date.parse(r.invitation.expiresAt)).toBe(w.clock.now().getTime() + TTL_DAYS * DAY_MS);
  });

  it('refuses a card that showed another send count, changes nothing, and audits the refusal', async () => {
    const w = await world();
    const first = await invited(w);
    const r = await resendInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'stale-press', expectedSentCount: 7 });
    expect(r).toMatchObject({ ok: false, reason: 'stale-card', invitation: { id: first.invitation.id, sentCount: 1 } });
    expect(await w.deps.invitations.get(CONTOSO.id, first.invitation.id)).toMatchObject({ tokenHash: first.invitation.tokenHash, sentCount: 1 });
    expect((await w.auditEvents()).find((e) => e.action === 'invitation.resend')).toMatchObject({ outcome: 'rejected', detail: 'stale-card' });
    // The card that is current works.
    expect((await resendInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'fresh-press', expectedSentCount: 1 })).ok).toBe(true);
  });

  it('says not-found for an unknown invitation', async () => {
    const w = await world();
    expect(await resendInvitation(w.deps, { invitationId: 'inv-0000000000', actor: OPERATOR, requestKey: 'k' })).toEqual({ ok: false, reason: 'not-found' });
    expect(await revokeInvitation(w.deps, { invitationId: 'inv-0000000000', actor: OPERATOR, requestKey: 'k' })).toEqual({ ok: false, reason: 'not-found' });
  });
});

describe('revokeInvitation', () => {
  it('revoke and resend stop the sign-in under way through the flow port; a refused change stops nothing', async () => {
    const w = await world();
    const first = await invited(w);
    await resendInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'resend-1' });
    await revokeInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'revoke-1' });
    await revokeInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'revoke-2' });
    expect(w.cancelled).toEqual([first.invitation.id, first.invitation.id]);
  });

  it('stops the link at once; a second revoke or a resend is refused with the status', async () => {
    const w = await world();
    const first = await invited(w);
    const r = await revokeInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'revoke-1' });
    expect(r).toMatchObject({ ok: true, invitation: { status: 'revoked', tokenHash: first.invitation.tokenHash } });
    expect(await revokeInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'revoke-2' })).toMatchObject({ ok: false, reason: 'not-allowed', status: 'revoked' });
    const resent = await resendInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'resend-1' });
    expect(resent).toMatchObject({ ok: false, reason: 'not-allowed', status: 'revoked' });
    expect(w.random.tokenBytes).toHaveLength(1);
    const stored = await w.deps.invitations.get(CONTOSO.id, first.invitation.id);
    expect(stored).toMatchObject({ status: 'revoked', sentCount: 1, tokenHash: first.invitation.tokenHash });
    expect(stored?.history.map((h) => h.event)).toEqual(['create', 'revoke']);
    const audits = await w.auditEvents();
    expect(audits.filter((e) => e.action === 'invitation.revoke').map((e) => e.outcome).sort()).toEqual(['ok', 'rejected']);
    expect(audits.filter((e) => e.action === 'invitation.resend').map((e) => [e.outcome, e.detail])).toEqual([['rejected', 'not-allowed']]);
  });

  it('refuses to revoke an invitation that has already expired', async () => {
    const w = await world();
    const first = await invited(w);
    w.clock.advance(TTL_DAYS * DAY_MS);
    expect(await revokeInvitation(w.deps, { invitationId: first.invitation.id, actor: OPERATOR, requestKey: 'k' })).toMatchObject({ ok: false, reason: 'not-allowed', status: 'expired' });
  });
});

describe('listInvitations and getTenantStatus', () => {
  it('lists pending invitations newest first, shows expiry, and all on request', async () => {
    const w = await world();
    const old = await invited(w, { email: 'old@contoso.com' });
    w.clock.advance(2 * DAY_MS);
    const revoked = await invited(w, { email: 'gone@contoso.com' });
    await revokeInvitation(w.deps, { invitationId: revoked.invitation.id, actor: OPERATOR, requestKey: 'k' });
    w.clock.advance(1000);
    const fresh = await invited(w, { email: 'new@fabrikam.com', tenant: { kind: 'id', value: FABRIKAM.id } });
    expect((await listInvitations(w.deps, 'pending')).map((r) => [r.invitation.id, r.status])).toEqual([
      [fresh.invitation.id, 'created'],
      [old.invitation.id, 'created'],
    ]);
    w.clock.advance(DAY_MS);
    expect((await listInvitations(w.deps, 'pending')).map((r) => r.invitation.id)).toEqual([fresh.invitation.id]);
    expect((await listInvitations(w.deps, 'all')).map((r) => [r.invitation.id, r.status])).toEqual([
      [fresh.invitation.id, 'created'],
      [revoked.invitation.id, 'revoked'],
      [old.invitation.id, 'expired'],
    ]);
  });

  it('finds a tenant by id or domain with its invitations, and says unknown otherwise', async () => {
    const w = await world();
    const { invitation } = await invited(w);
    const deps = { tenants: w.deps.tenants, invitations: w.deps.invitations, clock: w.clock };
    const byDomain = await getTenantStatus(deps, { kind: 'domain', value: CONTOSO.domain });
    expect(byDomain).toMatchObject({ ok: true, tenant: { id: CONTOSO.id }, invitations: [{ id: invitation.id }] });
    expect(await getTenantStatus(deps, { kind: 'id', value: CONTOSO.id })).toEqual(byDomain);
    expect(await getTenantStatus(deps, { kind: 'id', value: FABRIKAM.id })).toEqual({ ok: false, reason: 'unknown-tenant', ref: { kind: 'id', value: FABRIKAM.id } });
    expect(await getTenantStatus(deps, { kind: 'domain', value: FABRIKAM.domain })).toMatchObject({ ok: false, reason: 'unknown-tenant' });
  });

  it('reads the newest invitation the tenant names, by id; and lists them when that one was never written', async () => {
    const w = await world();
    const first = await invited(w, { email: 'first@contoso.com' });
    const second = await invited(w, { email: 'second@contoso.com' });
    const deps = { tenants: w.deps.tenants, invitations: w.deps.invitations, clock: w.clock };
    expect(await w.deps.tenants.get(CONTOSO.id)).toMatchObject({ latestInvitationId: second.invitation.id });
    const reads = jest.spyOn(w.deps.invitations, 'listForTenant');
    expect(await getTenantStatus(deps, { kind: 'id', value: CONTOSO.id })).toMatchObject({ ok: true, invitations: [{ id: second.invitation.id }], onboarding: { state: 'invited', email: 'second@contoso.com' } });
    expect(reads).not.toHaveBeenCalled();
    // A crash between naming the invitation and writing it: status still lists what exists.
    await w.deps.tenants.update(CONTOSO.id, (t) => ({ ok: true, value: { ...t, latestInvitationId: 'inv-neverwritten' } }));
    const listed = await getTenantStatus(deps, { kind: 'id', value: CONTOSO.id });
    expect(listed.ok && listed.invitations.map((i) => i.id).sort()).toEqual([first.invitation.id, second.invitation.id].sort());
  });
});

describe('staff authorization (default deny)', () => {
  const actor = (aadObjectId: string, tenantId = PROVIDER_TENANT): Actor => ({ aadObjectId, tenantId });

  it('makes bootstrap admins admins, in any letter case, only in the provider tenant', async () => {
    const w = await world();
    expect(await authorizeStaff(w.staff, w.policy, actor(BOOTSTRAP_ADMIN.toUpperCase(), PROVIDER_TENANT.toUpperCase()), 'admin')).toEqual({ ok: true, role: 'admin' });
    expect(await authorizeStaff(w.staff, w.policy, actor(BOOTSTRAP_ADMIN, CONTOSO.id), 'viewer')).toEqual({ ok: false, reason: 'not-provider-tenant' });
    expect(await roleOf(w.staff, w.policy, actor(BOOTSTRAP_ADMIN, CONTOSO.id))).toBeUndefined();
  });

  it('refuses people without a role, with an empty id, or from no tenant', async () => {
    const w = await world();
    expect(await authorizeStaff(w.staff, w.policy, actor(OPERATOR.aadObjectId), 'viewer')).toEqual({ ok: false, reason: 'no-role' });
    expect(await authorizeStaff(w.staff, w.policy, actor(''), 'viewer')).toEqual({ ok: false, reason: 'no-role' });
    expect(await authorizeStaff(w.staff, w.policy, actor(BOOTSTRAP_ADMIN, ''), 'viewer')).toEqual({ ok: false, reason: 'not-provider-tenant' });
  });

  it('a stored role from another tenant does not count', async () => {
    const w = await world();
    await w.staff.put({ id: OPERATOR.aadObjectId, role: 'admin', addedBy: BOOTSTRAP_ADMIN, addedAt: T0.toISOString() });
    expect(await authorizeStaff(w.staff, w.policy, actor(OPERATOR.aadObjectId, CONTOSO.id), 'viewer')).toEqual({ ok: false, reason: 'not-provider-tenant' });
  });

  it('allows exactly the roles at or above the one needed', async () => {
    const w = await world();
    const rank = (r: Role) => ROLES.indexOf(r);
    for (const held of ROLES) {
      const id = `${held}-0000-4000-8000-000000000000`;
      await w.staff.put({ id, role: held, addedBy: BOOTSTRAP_ADMIN, addedAt: T0.toISOString() });
    }
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROLES), fc.constantFrom(...ROLES), async (held, needed) => {
        const r = await authorizeStaff(w.staff, w.policy, actor(`${held}-0000-4000-8000-000000000000`), needed);
        expect(r).toEqual(rank(held) >= rank(needed) ? { ok: true, role: held } : { ok: false, reason: 'insufficient-role', role: held });
      }),
      { numRuns: 30 },
    );
  });
});

describe('managing staff', () => {
  const admin: Actor = { aadObjectId: BOOTSTRAP_ADMIN, tenantId: PROVIDER_TENANT, name: 'Ada Admin' };
  const someone = '22222222-2222-4222-8222-222222222222';

  it('grants, changes and removes a role, auditing each change in the provider partition', async () => {
    const w = await world();
    expect(await addStaff(w.staffDeps, admin, someone, 'viewer', 'k1')).toMatchObject({ ok: true, member: { id: someone, role: 'viewer', addedBy: BOOTSTRAP_ADMIN }, previousRole: undefined });
    expect(await authorizeStaff(w.staff, w.policy, { aadObjectId: someone, tenantId: PROVIDER_TENANT }, 'viewer')).toEqual({ ok: true, role: 'viewer' });
    w.clock.advance(1000);
    expect(await addStaff(w.staffDeps, admin, someone, 'operator', 'k2')).toMatchObject({ ok: true, previousRole: 'viewer' });
    w.clock.advance(1000);
    expect(await removeStaff(w.staffDeps, admin, someone, 'k3')).toEqual({ ok: true });
    expect(await authorizeStaff(w.staff, w.policy, { aadObjectId: someone, tenantId: PROVIDER_TENANT }, 'viewer')).toEqual({ ok: false, reason: 'no-role' });
    expect(await removeStaff(w.staffDeps, admin, someone, 'k4')).toEqual({ ok: false, reason: 'not-staff' });
    const events = await w.auditEvents();
    expect(events.map((e) => [e.action, e.detail, e.tenantId])).toEqual([
      ['staff.add', 'viewer', PROVIDER_PARTITION],
      ['staff.add', 'viewer → operator', PROVIDER_PARTITION],
      ['staff.remove', undefined, PROVIDER_PARTITION],
    ]);
    expect(events[0].id).toBe(stableId('aud-', `staff.add|${someone}|k1`, 20));
  });

  it('leaves bootstrap admins to configuration and refuses removing oneself', async () => {
    const w = await world();
    expect(await addStaff(w.staffDeps, admin, BOOTSTRAP_ADMIN, 'viewer', 'k1')).toEqual({ ok: false, reason: 'bootstrap-admin' });
    expect(await removeStaff(w.staffDeps, admin, BOOTSTRAP_ADMIN, 'k2')).toEqual({ ok: false, reason: 'bootstrap-admin' });
    const other: Actor = { aadObjectId: someone.toUpperCase(), tenantId: PROVIDER_TENANT };
    await addStaff(w.staffDeps, admin, someone, 'admin', 'k3');
    expect(await removeStaff(w.staffDeps, other, someone, 'k4')).toEqual({ ok: false, reason: 'self' });
    expect(await w.staff.get(someone)).toMatchObject({ role: 'admin' });
  });

  it('lists bootstrap admins first, once each, then stored staff', async () => {
    const w = await world();
    await addStaff(w.staffDeps, admin, someone, 'operator', 'k1');
    await w.staff.put({ id: BOOTSTRAP_ADMIN, role: 'viewer', addedBy: 'old', addedAt: T0.toISOString() });
    expect(await listStaff(w.staffDeps)).toEqual([
      { id: BOOTSTRAP_ADMIN, role: 'admin', source: 'configuration' },
      { id: someone, role: 'operator', source: 'store', addedAt: T0.toISOString() },
    ]);
  });

  it('keeps the name and UPN the Teams roster gave, lists them, and carries them over a change made without them', async () => {
    const w = await world();
    const profile = { displayName: 'Megan Bowen', upn: 'MeganB@provider.example', tenantId: PROVIDER_TENANT.toUpperCase() };
    expect(await addStaff(w.staffDeps, admin, someone, 'viewer', 'k1', profile)).toMatchObject({ ok: true, member: { id: someone, displayName: 'Megan Bowen', upn: 'MeganB@provider.example' } });
    w.clock.advance(1000);
    expect(await addStaff(w.staffDeps, admin, someone, 'operator', 'k2')).toMatchObject({ ok: true, previousRole: 'viewer', member: { displayName: 'Megan Bowen', upn: 'MeganB@provider.example' } });
    expect(await w.staff.get(someone)).toEqual({ id: someone, role: 'operator', addedBy: BOOTSTRAP_ADMIN, addedAt: new Date(T0.getTime() + 1000).toISOString(), displayName: 'Megan Bowen', upn: 'MeganB@provider.example' });
    expect(await listStaff(w.staffDeps)).toEqual([
      { id: BOOTSTRAP_ADMIN, role: 'admin', source: 'configuration' },
      { id: someone, role: 'operator', source: 'store', addedAt: new Date(T0.getTime() + 1000).toISOString(), displayName: 'Megan Bowen', upn: 'MeganB@provider.example' },
    ]);
  });

  it('gives no role to someone the roster places in another organization, and writes nothing', async () => {
    const w = await world();
    expect(await addStaff(w.staffDeps, admin, someone, 'admin', 'k1', { displayName: 'Gary Guest', tenantId: CONTOSO.id })).toEqual({ ok: false, reason: 'not-provider-tenant' });
    expect(await w.staff.get(someone)).toBeUndefined();
    expect(await w.auditEvents()).toEqual([]);
  });

  it('the same request key writes one audit event', async () => {
    const w = await world();
    await w.audit({ actor: admin, action: 'command.invite', outcome: 'denied', detail: 'no-role', requestKey: 'conv|act' });
    w.clock.advance(1000);
    await w.audit({ actor: admin, action: 'command.invite', outcome: 'denied', detail: 'no-role', requestKey: 'conv|act' });
    await w.audit({ actor: admin, action: 'command.invite', outcome: 'denied', detail: 'no-role', requestKey: 'conv|act2' });
    expect((await w.auditEvents()).map((e) => [e.tenantId, e.at])).toEqual([
      [PROVIDER_PARTITION, T0.toISOString()],
      [PROVIDER_PARTITION, new Date(T0.getTime() + 1000).toISOString()],
    ]);
  });
});

describe('customerAction (one set of rules for the invitation page and the card in Teams)', () => {
  const ADMIN_EMAIL = 'admin@contoso.com';
  const STRANGER: Actor = { aadObjectId: '22222222-2222-4222-8222-222222222222', tenantId: CONTOSO.id, name: 'Someone' };
  const CHANNEL = '19:customer-channel@thread.tacv2';

  async function signInWorld() {
    const w = await world();
    const started: string[] = [];
    const authority: DeviceCodeAuthority = {
      start(tenantId, onPrompt) {
        started.push(tenantId);
        let end: (o: DeviceCodeOutcome) => void = () => undefined;
        const outcome = new Promise<DeviceCodeOutcome>((resolve) => (end = resolve));
        // As Entra does: the code arrives after the request for it, not during the call.
        setImmediate(() => onPrompt({ userCode: 'ABCD-EFGH', verificationUri: 'https://microsoft.com/devicelogin', expiresInSeconds: 900, intervalSeconds: 5, message: '' }));
        return { outcome, cancel: () => end({ ok: false, cancelled: true }) };
      },
    };
    const box = sealerOf(new SecretBox(ephemeralKeyring()));
    const signIn = createSignIn(
      {
        invitations: w.deps.invitations,
        tenants: w.deps.tenants,
        tokenCaches: { merge: async () => async () => undefined },
        authority,
        box,
        clock: w.clock,
        random: w.random,
        lease: { instanceId: 'this-instance', isAlive: async () => true },
        notifications: { flowEvent: async () => undefined },
        audit: w.audit,
        logger: createLogger('silent'),
        publicBaseUrl: BASE_URL,
        organizations: { read: async () => ({ ok: false, reason: 'unavailable' }) },
      },
      async (actor) => (await authorizeStaff(w.staff, w.policy, actor, 'viewer')).ok,
    );
    const { invitation, token } = await invited(w, { email: ADMIN_EMAIL });
    const member = (isAdmin: boolean, actor: Actor = STRANGER, place = 'elsewhere') =>
      ({ via: 'member', invitationId: invitation.id, isInvitedAdmin: async () => isAdmin, place, actor }) as const;
    return { w, signIn, invitation, token, started, member };
  }

  it('lets the link holder start the sign-in and see the code; a second start joins the same flow', async () => {
    const { signIn, token, started } = await signInWorld();
    const first = await signIn.act('start', { via: 'link', token });
    expect(first).toMatchObject({ ok: true, show: 'admin', invitation: { status: 'signing_in' } });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    const again = await signIn.act('refresh', { via: 'link', token });
    expect(again).toMatchObject({ ok: true, show: 'admin', userCode: 'ABCD-EFGH' });
    await signIn.act('start', { via: 'link', token });
    expect(started).toHaveLength(1);
    await signIn.stop();
  });

  it('answers an unknown or malformed link and an unknown id as gone', async () => {
    const { signIn, invitation } = await signInWorld();
    expect(await signIn.act('refresh', { via: 'link', token: 'x'.repeat(43) })).toEqual({ ok: false, reason: 'gone' });
    // Another id of the same shape: the last character changed (the ids are random, and may end in 0).
    const unknownId = `${invitation.id.slice(0, -1)}${invitation.id.endsWith('0') ? '1' : '0'}`;
    expect(await signIn.act('refresh', { via: 'member', invitationId: unknownId, isInvitedAdmin: async () => true, place: '', actor: STRANGER })).toEqual({ ok: false, reason: 'gone' });
  });

  it('refuses the sign-in and the approval to anyone but the invited admin, naming who may', async () => {
    const { signIn, member, started } = await signInWorld();
    for (const verb of ['start', 'portal-approved'] as const) {
      const refused = await signIn.act(verb, member(false));
      expect(refused).toMatchObject({ ok: false, reason: 'invited-admin-only', invitation: { email: ADMIN_EMAIL } });
    }
    expect(started).toEqual([]);
  });

  it('shows progress, never the code, to staff and to members of a place the card was posted in; nothing to strangers', async () => {
    const { w, signIn, member, invitation } = await signInWorld();
    expect(await signIn.act('refresh', member(false))).toEqual({ ok: false, reason: 'not-for-you' });
    await notePostedIn(w.deps, invitation, CHANNEL);
    expect(await signIn.act('refresh', member(false, STRANGER, CHANNEL))).toMatchObject({ ok: true, show: 'progress' });
    expect(await signIn.act('refresh', member(false, { aadObjectId: BOOTSTRAP_ADMIN, tenantId: PROVIDER_TENANT, name: 'Admin' }))).toMatchObject({ ok: true, show: 'progress' });
    const seen = await signIn.act('refresh', member(false, STRANGER, CHANNEL));
    expect(seen).not.toHaveProperty('userCode');
  });

  it('posts the review card only while consent is asked for', async () => {
    const { signIn, member } = await signInWorld();
    expect(await signIn.act('post-review-card', member(true))).toEqual({ ok: false, reason: 'no-consent-request' });
    expect(await signIn.act('post-review-card', member(false))).toEqual({ ok: false, reason: 'no-consent-request' });
  });

  it('records each place once, however often the card is posted there', async () => {
    const { w, invitation } = await signInWorld();
    await notePostedIn(w.deps, invitation, CHANNEL);
    await notePostedIn(w.deps, (await w.deps.invitations.findById(invitation.id))!, CHANNEL);
    await notePostedIn(w.deps, invitation, CHANNEL);
    expect((await w.deps.invitations.findById(invitation.id))?.postedIn).toEqual([CHANNEL]);
  });
});

describe('listTenants', () => {
  it("tells each tenant's onboarding from its newest invitation, even one older than the recent list", async () => {
    const w = await world();
    const { invitation } = await invited(w, { email: 'only@contoso.com' });
    const deps = { tenants: w.deps.tenants, invitations: w.deps.invitations, clock: w.clock };
    expect((await listTenants(deps)).map((t) => t.onboarding)).toEqual([expect.objectContaining({ state: 'invited', invitationId: invitation.id })]);
    // Its invitation is not among the recent ones (other tenants' invitations crowded it out): read by id.
    jest.spyOn(w.deps.invitations, 'listRecent').mockResolvedValueOnce([]);
    expect((await listTenants(deps)).map((t) => t.onboarding)).toEqual([expect.objectContaining({ state: 'invited', invitationId: invitation.id })]);
  });
});
