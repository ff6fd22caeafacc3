import { performance } from 'node:perf_hooks';
import { memoryStores, type MemoryStores } from '../../src/adapters/memory/memoryStores';
import { DAY_MS } from '../../src/clock';
import { NO_COUNTS, type SweepRun } from '../../src/domain/sweep';
import type { CustomerTenant } from '../../src/domain/tenant';
import type { ValidationRecord } from '../../src/domain/validation';
import { createLogger } from '../../src/log';
import { createAudit } from '../../src/usecases/audit/recordAudit';
import type { CachedAccount, OrganizationLookup, RefreshOutcome, TenantStore, TokenRefresher, TokenRefreshSession } from '../../src/usecases/ports';
import { runSweep, type RunnerHold, type SweepDeps, type SweepTimers } from '../../src/usecases/sweeps/runSweep';
import type { ValidateDeps } from '../../src/usecases/tenants/validateTenant';
import { TickingClock } from '../support/clocks';
import type { Clock } from '../../src/clock';

/**
 * The sweep use case on the in-memory stores, Entra and Graph faked per tenant, and the sweep's
 * waits run 1000× faster than real time (a Retry-After of 5 s is 5 ms here; 100× in the tests whose
 * outcome hangs on a margin of seconds, which a pause of the machine must not eat): concurrency, a
 * throttled tenant waiting off the slots, back-off, bounded retries and the deadline, one record
 * per tenant, a runner that takes over, and the fence refusing a deposed runner's late write.
 */

const T0 = new Date('2026-12-01T06:00:00.000Z');
/** The sweep's clock and sleeps, `speed` times faster than real time. */
const timersAt = (speed: number): SweepTimers => ({
  nowMs: () => performance.now() * speed,
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms / speed);
      if (signal.aborted) done();
      else signal.addEventListener('abort', done, { once: true });
    }),
});
const fastTimers = timersAt(1000);
/** For a test that hangs on a margin of seconds: 18 s is 180 ms here, not 18 ms. */
const slowerTimers = timersAt(100);

const idOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const accountOf = (tenantId: string): CachedAccount => ({ homeAccountId: `oid.${tenantId}`, username: `admin@${tenantId}.example`, tenantId, objectId: `11111111-2222-4333-8444-${tenantId.slice(-12)}` });

function tenantDoc(tenantId: string, overrides: Partial<CustomerTenant> = {}): CustomerTenant {
  return {
    id: tenantId,
    tenantId,
    displayName: `Tenant ${tenantId.slice(-4)}`,
    domain: `${tenantId}.example`,
    domains: [`${tenantId}.example`],
    authMode: 'token',
    authStatus: 'successful',
    token: { account: accountOf(tenantId).username, createdAt: T0.toISOString(), lastRefreshedAt: T0.toISOString(), refreshExpiresAt: new Date(T0.getTime() + 90 * DAY_MS).toISOString(), scopes: [] },
    createdAt: T0.toISOString(),
    createdBy: 'staff',
    ...overrides,
  };
}

const OK: RefreshOutcome = { ok: true, accessToken: 'at', permissions: ['User.Read', 'Organization.Read.All'] };
const THROTTLED = (seconds: number): RefreshOutcome => ({ ok: false, failure: { kind: 'transport', failure: { kind: 'http-status', host: 'login.example', status: 429, retryAfterSeconds: seconds } }, retryAfterSeconds: seconds });
const UNAVAILABLE: RefreshOutcome = { ok: false, failure: { kind: 'transport', failure: { kind: 'http-status', host: 'login.example', status: 503 } } };

/** Entra per tenant: `script(tenantId, attempt)` answers each refresh; counts what is in flight. */
class ScriptedEntra implements TokenRefresher {
  readonly attempts = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  opens = 0;
  saves = 0;
  constructor(private readonly script: (tenantId: string, attempt: number) => RefreshOutcome | Promise<RefreshOutcome> = () => OK) {}
  async open(tenantId: string) {
    this.opens++;
    let changed = false;
    const account = accountOf(tenantId);
    const session: TokenRefreshSession = {
      accounts: [account],
      refresh: async () => {
        const attempt = (this.attempts.get(tenantId) ?? 0) + 1;
        this.attempts.set(tenantId, attempt);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const outcome = await this.script(tenantId, attempt);
          if (outcome.ok) changed = true;
          return outcome;
        } finally {
          this.inFlight--;
        }
      },
      remove: async () => undefined,
      get changed() {
        return changed;
      },
      save: async () => void this.saves++,
    };
    return { ok: true as const, session };
  }
}

/** Counts how the sweep's tenant writes reach the store: with the page's copy (no read) or not. */
function countingTenants(inner: TenantStore) {
  const counted = { updates: 0, updatesFromPage: 0, gets: 0 };
  const store: TenantStore = {
    get: (id) => (counted.gets++, inner.get(id)),
    findByDomain: (d) => (counted.gets++, inner.findByDomain(d)),
    addDomain: (d, id) => inner.addDomain(d, id),
    ensure: (t) => inner.ensure(t),
    list: (l) => inner.list(l),
    listForSweep: (after, limit) => inner.listForSweep(after, limit),
    update: (id, mutate, known) => (counted.updates++, known && counted.updatesFromPage++, inner.update(id, mutate, known)),
  };
  return { store, counted };
}

interface World {
  stores: MemoryStores;
  entra: ScriptedEntra;
  clock: Clock;
  deps: SweepDeps;
  counted: ReturnType<typeof countingTenants>['counted'];
}

function world(options: { tenants: number; concurrency?: number; entra?: ScriptedEntra; organization?: (tenantId: string) => OrganizationLookup; tenantDeadlineMs?: number; pageSize?: number; clock?: Clock; timers?: SweepTimers }): World & { ready: Promise<void> } {
  const stores = memoryStores();
  const clock = options.clock ?? new TickingClock(T0);
  const entra = options.entra ?? new ScriptedEntra();
  const { store, counted } = countingTenants(stores.tenants);
  // The fake access token is the tenant id, so Graph answers for the tenant whose token it was given.
  const tokens: TokenRefresher = {
    open: async (tenantId) => {
      const { session } = await entra.open(tenantId);
      return {
        ok: true,
        session: {
          accounts: session.accounts,
          get changed() {
            return session.changed;
          },
          refresh: async (a, s) => {
            const outcome = await session.refresh(a, s);
            return outcome.ok ? { ...outcome, accessToken: tenantId } : outcome;
          },
          remove: (a) => session.remove(a),
          save: () => session.save(),
        },
      };
    },
  };
  const validation: ValidateDeps = {
    tenants: store,
    validations: stores.validations,
    tokens,
    organizations: { read: async (token) => options.organization?.(token) ?? { ok: true, organization: { id: token, displayName: `Tenant ${token.slice(-4)}`, domains: [`${token}.example`] } } },
    users: { me: async (token) => ({ ok: true, user: { id: accountOf(token).objectId, accountEnabled: true } }) },
    audit: createAudit(stores.audit, clock),
    clock,
    logger: createLogger('silent'),
    scopes: ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read'],
    extraResources: [],
    budgetMs: 60_000,
    adminConsentLink: (id) => `https://login.example/${id}/adminconsent`,
  };
  const deps: SweepDeps = {
    validation,
    sweeps: stores.sweeps,
    audit: createAudit(stores.audit, clock),
    clock,
    logger: createLogger('silent'),
    concurrency: options.concurrency ?? 4,
    tenantDeadlineMs: options.tenantDeadlineMs ?? 300_000,
    checkpointMs: 1_000,
    pageSize: options.pageSize ?? 7,
    random01: () => 0.5,
    timers: options.timers ?? fastTimers,
  };
  const ready = (async () => {
    for (let i = 1; i <= options.tenants; i++) await stores.tenants.ensure(tenantDoc(idOf(i)));
  })();
  return { stores, entra, clock, deps, counted, ready };
}

const SWEEP_ID = 'sweep-20261201T0600Z';
async function newSweep(stores: MemoryStores, id = SWEEP_ID): Promise<void> {
  const run: SweepRun = { id, trigger: 'schedule', slot: T0.toISOString(), requestedBy: { kind: 'system', reason: 'schedule' }, status: 'running', startedAt: T0.toISOString(), counts: NO_COUNTS, runner: '', fence: 0, resumes: 0, ttl: 60 };
  expect(await stores.sweeps.create(run)).toBe(true);
}

function holdOf(fence: number, instanceId = `runner-${fence}`): RunnerHold & { lose(): void; allowed: boolean } {
  const abort = new AbortController();
  const hold = { instanceId, fence, allowed: true, mayWrite: () => hold.allowed, signal: abort.signal, lose: () => abort.abort() };
  return hold;
}

const sweepRecords = async (stores: MemoryStores) => ((await stores.validations.documents()) as ValidationRecord[]).filter((r) => r.trigger === 'sweep');
const perTenant = (records: ValidationRecord[]) => {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.tenantId, (counts.get(r.tenantId) ?? 0) + 1);
  return counts;
};

describe('runSweep', () => {
  it('validates every token-mode tenant once, at most VALIDATION_CONCURRENCY at a time: one record each, one audit row, three writes and no tenant read per tenant', async () => {
    const w = world({ tenants: 30, concurrency: 4 });
    await w.ready;
    await w.stores.tenants.ensure(tenantDoc(idOf(31), { token: undefined, authStatus: 'not_configured' }));
    await w.stores.tenants.ensure(tenantDoc(idOf(32), { authMode: 'password' }));
    await newSweep(w.stores);

    const result = await runSweep(w.deps, SWEEP_ID, holdOf(1));

    expect(result).toMatchObject({ ok: true, run: { status: 'finished', runner: 'runner-1', fence: 1, counts: { checked: 30, ok: 30, failed: 0, incomplete: 0, skipped: 1 } } });
    expect(w.entra.maxInFlight).toBe(4);
    const records = await sweepRecords(w.stores);
    expect(records).toHaveLength(30);
    expect([...perTenant(records).values()].every((n) => n === 1)).toBe(true);
    // Per tenant: the token cache read once and saved once, the tenant written once from the page's copy, the record once.
    expect([w.entra.opens, w.entra.saves, w.counted.updates, w.counted.updatesFromPage, w.counted.gets]).toEqual([30, 30, 30, 30, 0]);
    const tenants = (await w.stores.tenants.documents()).filter((t) => t.token && t.authMode === 'token');
    expect(tenants.every((t) => t.lastSweep?.sweepId === SWEEP_ID && t.lastSweep.fence === 1 && t.lastSweep.outcome === 'successful')).toBe(true);
    const audit = (await w.stores.audit.documents()).filter((a) => a.action === 'tenants.sweep');
    expect(audit).toEqual([expect.objectContaining({ target: SWEEP_ID, tenantId: 'provider', detail: 'scheduled: 30 checked, 30 ok, 0 failed, 1 skipped' })]);
    expect((await w.stores.audit.documents()).filter((a) => a.action === 'tenant.validate')).toEqual([]);
  });

  it("retries a throttled tenant after its own Retry-After, off the slots: the others' checks go on meanwhile, and only its last attempt is recorded", async () => {
    const started: string[] = [];
    const entra = new ScriptedEntra((tenantId, attempt) => {
      started.push(`${tenantId.slice(-2)}#${attempt}`);
      return tenantId === idOf(1) && attempt === 1 ? THROTTLED(60) : OK;
    });
    // Eleven tenants must be checked inside tenant 1's 60 s wait: 600 ms of real time at this speed.
    const w = world({ tenants: 12, concurrency: 2, entra, timers: slowerTimers });
    await w.ready;
    await newSweep(w.stores);

    const before = slowerTimers.nowMs();
    const result = await runSweep(w.deps, SWEEP_ID, holdOf(1));
    const tookMs = slowerTimers.nowMs() - before;

    expect(result).toMatchObject({ ok: true, run: { counts: { checked: 12, ok: 12 } } });
    // Everyone else was checked while tenant 1 waited its 60 s; its retry came after them.
    expect(started.indexOf('01#2')).toBeGreaterThan(started.indexOf('12#1'));
    expect(tookMs).toBeGreaterThanOrEqual(60_000);
    const mine = (await sweepRecords(w.stores)).filter((r) => r.tenantId === idOf(1));
    expect(mine).toHaveLength(1);
    expect(mine[0].outcome).toBe('successful');
    expect(w.entra.saves).toBe(12);
  });

  it('backs off on 5xx (exponential, jittered), gives up after five attempts and records the tenant incomplete once', async () => {
    const entra = new ScriptedEntra((tenantId) => (tenantId === idOf(2) ? UNAVAILABLE : OK));
    const w = world({ tenants: 3, entra });
    await w.ready;
    await newSweep(w.stores);
    const before = fastTimers.nowMs();
    const result = await runSweep(w.deps, SWEEP_ID, holdOf(1));

    expect(result).toMatchObject({ ok: true, run: { counts: { checked: 3, ok: 2, incomplete: 1 } } });
    expect(w.entra.attempts.get(idOf(2))).toBe(5);
    // random01 = 0.5: 0.75 × (1, 2, 4, 8) s between the five attempts.
    expect(fastTimers.nowMs() - before).toBeGreaterThanOrEqual(0.75 * 15_000);
    const mine = (await sweepRecords(w.stores)).filter((r) => r.tenantId === idOf(2));
    expect(mine.map((r) => r.outcome)).toEqual(['incomplete']);
    expect((await w.stores.tenants.get(idOf(2)))?.authStatus).toBe('successful');
  });

  it("stops retrying at the tenant's deadline: a Retry-After longer than what is left is recorded as it is", async () => {
    const entra = new ScriptedEntra((tenantId) => (tenantId === idOf(1) ? THROTTLED(40) : OK));
    // The retry fits only if the first attempt is decided within 18 s of the tenant's start.
    const w = world({ tenants: 2, entra, tenantDeadlineMs: 60_000, timers: slowerTimers });
    await w.ready;
    await newSweep(w.stores);
    const result = await runSweep(w.deps, SWEEP_ID, holdOf(1));
    expect(result).toMatchObject({ ok: true, run: { counts: { checked: 2, ok: 1, incomplete: 1 } } });
    // 40 s fits once into 60 s (with the two seconds an attempt needs), not twice.
    expect(w.entra.attempts.get(idOf(1))).toBe(2);
    expect((await sweepRecords(w.stores)).filter((r) => r.tenantId === idOf(1)).map((r) => r.throttled)).toEqual([{ service: 'entra', retryAfterSeconds: 40 }]);
  });

  it('resumes a sweep a deposed runner left midway: what it settled is counted from the tenants, the rest validated; no tenant recorded twice, none lost', async () => {
    // Runner 1 validates tenants until the sixth, which hangs (the process "dies" there).
    let hang!: () => void;
    const hung = new Promise<RefreshOutcome>((resolve) => (hang = () => resolve(OK)));
    const entra = new ScriptedEntra((tenantId, attempt) => (tenantId === idOf(6) && attempt === 1 ? hung : OK));
    const w = world({ tenants: 20, concurrency: 1, entra, clock: new TickingClock(T0) });
    await w.ready;
    await newSweep(w.stores);
    const first = holdOf(1, 'a');
    const running = runSweep(w.deps, SWEEP_ID, first);
    await waitFor(async () => (await sweepRecords(w.stores)).length === 5 && (await w.stores.sweeps.get(SWEEP_ID))?.settledThrough !== undefined);
    // Runner 2 takes over with a higher fence (runner 1 is deposed: its lease went).
    first.allowed = false;
    const second = await runSweep({ ...w.deps, concurrency: 3 }, SWEEP_ID, holdOf(2, 'b'));
    first.lose();
    hang();
    expect(await running).toMatchObject({ ok: false, reason: 'deposed' });

    expect(second).toMatchObject({ ok: true, run: { runner: 'b', fence: 2, resumes: 1, counts: { checked: 20, ok: 20, skipped: 0 } } });
    const records = await sweepRecords(w.stores);
    expect(records).toHaveLength(20);
    expect([...perTenant(records).values()].every((n) => n === 1)).toBe(true);
    // Runner 2 did not validate again what runner 1 had settled before its last checkpoint.
    expect(w.entra.attempts.get(idOf(1))).toBe(1);
    expect((await w.stores.audit.documents()).filter((a) => a.action === 'tenants.sweep')).toHaveLength(1);
  });

  it("refuses a deposed runner's late write by the fence even when its own lease check still lets it through", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstCall = true;
    const entra = new ScriptedEntra(async (tenantId) => {
      // Runner 1's validation of tenant 1 is paused between the refresh and its writes.
      if (tenantId === idOf(1) && firstCall) {
        firstCall = false;
        await gate;
      }
      return OK;
    });
    const w = world({ tenants: 1, concurrency: 1, entra });
    await w.ready;
    await newSweep(w.stores);
    const stale = holdOf(1, 'a');
    const late = runSweep(w.deps, SWEEP_ID, stale);
    await waitFor(async () => entra.attempts.get(idOf(1)) === 1);
    const fresh = await runSweep(w.deps, SWEEP_ID, holdOf(2, 'b'));
    expect(fresh).toMatchObject({ ok: true, run: { runner: 'b', counts: { checked: 1 } } });
    const recorded = await w.stores.tenants.get(idOf(1));

    // The stale runner's check says yes (the window a pause between check and write leaves)...
    expect(stale.mayWrite()).toBe(true);
    release();
    // ...but its tenant write is refused: a higher fence wrote the tenant. It writes nothing more and stops.
    expect(await late).toMatchObject({ ok: false, reason: 'deposed' });
    expect(await w.stores.tenants.get(idOf(1))).toEqual(recorded);
    expect(recorded?.lastSweep).toMatchObject({ sweepId: SWEEP_ID, fence: 2 });
    expect(await sweepRecords(w.stores)).toHaveLength(1);
    expect(await w.stores.sweeps.get(SWEEP_ID)).toMatchObject({ status: 'finished', runner: 'b', fence: 2 });
  });

  it('will not run a sweep for a lower fence than the one that has it, nor one that finished', async () => {
    const w = world({ tenants: 2 });
    await w.ready;
    await newSweep(w.stores);
    expect(await runSweep(w.deps, SWEEP_ID, holdOf(3))).toMatchObject({ ok: true });
    expect(await runSweep(w.deps, SWEEP_ID, holdOf(4))).toEqual({ ok: false, reason: 'finished' });
    await newSweep(w.stores, 'sweep-2');
    await w.stores.sweeps.update('sweep-2', (r) => ({ ok: true, value: { ...r, fence: 5, runner: 'x' } }));
    expect(await runSweep(w.deps, 'sweep-2', holdOf(4))).toEqual({ ok: false, reason: 'fenced' });
    expect(await runSweep(w.deps, 'missing', holdOf(4))).toEqual({ ok: false, reason: 'not-found' });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
