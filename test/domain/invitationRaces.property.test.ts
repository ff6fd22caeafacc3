import { sweepOrphans } from '../../src/jobs/orphanSweep';
import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import fc from 'fast-check';
import { createAudit } from '../../src/usecases/audit/recordAudit';
import type { Audit } from '../../src/usecases/ports';
import { TickingClock } from '../support/clocks';
import { ephemeralKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import type { Invitation } from '../../src/domain/invitation';
import type { Actor } from '../../src/domain/staff';
import type { CustomerTenant } from '../../src/domain/tenant';
import type { OrganizationReader } from '../../src/usecases/ports';
import type { DeviceCodeAuthority, DeviceCodeOutcome, DeviceCodePrompt, DeviceCodeSession } from '../../src/usecases/ports';
import type { TenantDirectory } from '../../src/usecases/ports';
import { TokenCacheStore } from '../../src/adapters/entra/tokenCacheStore';
import { createLogger } from '../../src/log';
import { resendInvitation, revokeInvitation } from '../../src/usecases/invitations/changeInvitation';
import type { FlowEvent } from '../../src/usecases/signIn/flowEvents';
import { InstanceLease } from '../../src/jobs/instanceLease';
import { inviteAdmin } from '../../src/usecases/invitations/inviteAdmin';
import type { OnboardingDeps } from '../../src/usecases/invitations/onboardingDeps';
import { createSignIn } from '../../src/usecases/signIn/signIn';
import type { SignInDeps } from '../../src/usecases/signIn/signInDeps';
import { cryptoRandom } from '../../src/random';
import { AuditRepository } from '../../src/adapters/cosmos/auditRepository';
import { InvitationRepository } from '../../src/adapters/cosmos/invitationRepository';
import { LeaseRepository } from '../../src/adapters/cosmos/leaseRepository';
import { PendingInvitationGuards } from '../../src/adapters/cosmos/pendingInvitationGuards';
import { TenantRepository } from '../../src/adapters/cosmos/tenantRepository';
import { TokenCacheRepository } from '../../src/adapters/cosmos/tokenCacheRepository';
import { startTestStore, TestStore } from '../support/cosmos';

/**
 * Revoke, resend and sweeps by staff and by other instances, interleaved with a customer's sign-in
 * (start, the device code, polls, the token, every step of activation) by fast-check's scheduler,
 * against the real SignInFlows and use cases on the embedded Cosmos-protocol server.
 *
 * Every call to the store, to Graph and to "Entra" waits for the scheduler, and the scheduler lets
 * one go at a time and waits for it to finish before choosing the next (`act`), so a seed replays
 * the same interleaving. Whatever the order, a sign-in that lost its invitation keeps nothing: no
 * token stays stored for an invitation that is not activated, and the tenant is as it was.
 */

const OPERATOR: Actor = { aadObjectId: '11111111-1111-4111-8111-111111111111', tenantId: '9f6a1f3e-2b8c-4d5e-a7f0-1c2d3e4f5a6b', name: 'Olga Operator' };
const OWNER = 'instance-a';
const OTHER = 'instance-b';
/** Polls of one code before it expires (Entra: 15 minutes of polls; here a few). */
const POLLS_PER_CODE = 5;
const SCOPES = ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read'];

const anyTenant: TenantDirectory = {
  async resolve(ref) {
    return { ok: true, tenantId: ref.value };
  },
};

type Cache = Record<string, Record<string, Record<string, unknown>>>;

/** What one sign-in would put in the MSAL cache: keys of its own, and the app metadata all sign-ins share. */
function cacheOf(tenantId: string, username: string, n: number | string): Cache {
  const home = `${n}-oid.${tenantId}`;
  return {
    Account: { [`${home}-login.example-${tenantId}`]: { home_account_id: home, username, realm: tenantId } },
    RefreshToken: { [`${home}-login.example-refreshtoken-client--`]: { home_account_id: home, secret: `rt-${n}` } },
    AccessToken: { [`${home}-login.example-accesstoken-client-${tenantId}-scopes`]: { home_account_id: home, secret: `at-${n}` } },
    AppMetadata: { 'appmetadata-login.example-client': { client_id: 'client', environment: 'login.example' } },
  };
}

/** A cache's entries, section by section, leaving out empty sections (what an undone sign-in leaves). */
const entriesOf = (cache: Cache | undefined) => Object.fromEntries(Object.entries(cache ?? {}).filter(([, entries]) => Object.keys(entries).length > 0));

const accountsIn = (cache: Cache | undefined) => Object.values(cache?.Account ?? {}).map((a) => String(a.username)).sort();

let server: TestStore;
let runs = 0;

beforeAll(async () => {
  server = await startTestStore('invitation-races');
  // The owner is alive for the whole file: another instance's sweep must leave its flows alone.
  await new LeaseRepository(server.store.containers.leases).put({ id: `instance:${OWNER}`, holder: OWNER, expiresAt: '2999-01-01T00:00:00.000Z' });
});

afterAll(async () => {
  await server?.close();
});

type StaffStep = 'revoke' | 'resend' | 'sweep-on-owner' | 'sweep-on-other';
interface Plan {
  /** What staff and other instances do, each after letting `after` other steps go first. */
  readonly staff: { step: StaffStep; after: number }[];
  /** The customer presses Start (or Start again / New code) on the link they have, after `after` steps. */
  readonly starts: { after: number }[];
  /** For the 1st, 2nd… device code: the poll at which the admin has finished signing in (null: never). */
  readonly signInAtPoll: (number | null)[];
  readonly hadToken: boolean;
}

const plans: fc.Arbitrary<Plan> = fc.record({
  staff: fc.array(
    fc.record({ step: fc.constantFrom<StaffStep>('revoke', 'resend', 'resend', 'sweep-on-owner', 'sweep-on-other'), after: fc.integer({ min: 0, max: 14 }) }),
    { minLength: 1, maxLength: 3 },
  ),
  starts: fc.array(fc.record({ after: fc.integer({ min: 0, max: 10 }) }), { minLength: 1, maxLength: 3 }),
  signInAtPoll: fc.array(fc.option(fc.integer({ min: 1, max: POLLS_PER_CODE }), { freq: 4 }), { minLength: 3, maxLength: 3 }),
  hadToken: fc.boolean(),
});

async function runPlan(s: fc.Scheduler, plan: Plan, inFlight: { count: number }): Promise<void> {
  const n = ++runs;
  const tenantId = `0a0b0c0d-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const domain = `race${n}.onmicrosoft.com`;
  const email = `admin@${domain}`;
  const { containers } = server.store;
  const clock = new TickingClock();
  const box = new SecretBox(ephemeralKeyring());
  const logger = createLogger('silent');

  // The store as it is, for setting up and for looking at the outcome.
  const raw = {
    invitations: new InvitationRepository(containers.invitations, containers.links),
    tenants: new TenantRepository(containers.tenants, containers.tenantDomains),
    tokenCaches: new TokenCacheRepository(containers.tokenCaches),
    leases: new LeaseRepository(containers.leases),
    audit: createAudit(new AuditRepository(containers.audit), clock),
  };

  /** One store (or Graph, or Entra) call: it waits for the scheduler, then runs to its end alone. */
  const gate = <T>(label: string, call: () => Promise<T>): Promise<T> =>
    s.schedule(Promise.resolve(), label).then(async () => {
      inFlight.count++;
      try {
        return await call();
      } finally {
        inFlight.count--;
      }
    });
  const gated = <T extends object>(name: string, target: T): T =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver) as unknown;
        if (typeof value !== 'function' || prop === 'constructor') return value;
        return (...args: unknown[]) => gate(`${name}.${String(prop)}`, () => (value as (...a: unknown[]) => Promise<unknown>).apply(t, args));
      },
    });

  const invitations = gated('invitations', raw.invitations);
  const tenants = gated('tenants', raw.tenants);
  const tokenCaches = new TokenCacheStore(gated('tokenCaches', raw.tokenCaches), sealerOf(box), clock);
  const audit: Audit = (input) => gate(`audit ${input.action}`, () => raw.audit(input));
  const onboarding: OnboardingDeps = {
    clock,
    random: cryptoRandom,
    tenants,
    invitations,
    pendingGuards: gated('guards', new PendingInvitationGuards(containers.invitationGuards)),
    // Staff act on the owner's instance: the use case stops its poll through the port.
    flows: { cancel: (invitationId: string) => owner.flowControl.cancel(invitationId) },
    directory: anyTenant,
    audit,
    invitationTtlDays: 7,
    publicBaseUrl: 'https://tenant-access.example.test',
  };

  // Before the interleaving: the invitation, and maybe a tenant that already works with a token.
  const invited = await inviteAdmin({ ...onboarding, tenants: raw.tenants, invitations: raw.invitations, pendingGuards: new PendingInvitationGuards(containers.invitationGuards), audit: raw.audit }, {
    tenant: { kind: 'id', value: tenantId },
    email,
    variant: 'global',
    actor: OPERATOR,
    requestKey: `run-${n}`,
  });
  if (!invited.ok) throw new Error(`invite failed: ${invited.reason}`);
  const invitationId = invited.invitation.id;
  const previousCache = plan.hadToken ? cacheOf(tenantId, `earlier@${domain}`, 'earlier') : undefined;
  if (previousCache) {
    await new TokenCacheStore(raw.tokenCaches, sealerOf(box), clock).merge(tenantId, JSON.stringify(previousCache));
    const at = clock.now().toISOString();
    await raw.tenants.update(tenantId, (t) => ({
      ok: true,
      value: { ...t, authMode: 'token', authStatus: 'successful', token: { account: `earlier@${domain}`, createdAt: at, lastRefreshedAt: at, refreshExpiresAt: '2026-09-01T00:00:00.000Z', scopes: SCOPES }, lastValidation: { at, ok: true, detail: 'earlier sign-in' } },
    }));
  }
  const tenantBefore = (await raw.tenants.get(tenantId))!;

  // Entra as the flow sees it: a device code, then polls; the admin's sign-in turns a poll into tokens.
  const sessions: { n: number; username: string; signedIn: boolean; settled: boolean; outcome: Promise<DeviceCodeOutcome> }[] = [];
  const entra: DeviceCodeAuthority = {
    start(_tenant: string, onPrompt: (p: DeviceCodePrompt) => void, stillWanted?: () => Promise<boolean>): DeviceCodeSession {
      let settle!: (o: DeviceCodeOutcome) => void;
      const outcome = new Promise<DeviceCodeOutcome>((resolve) => (settle = resolve));
      const n = sessions.length + 1;
      const me = { n, username: `signin${n}@${domain}`, signedIn: false, settled: false, outcome };
      const signsInAt = plan.signInAtPoll[n - 1] ?? null;
      sessions.push(me);
      const end = (o: DeviceCodeOutcome) => {
        if (me.settled) return;
        me.settled = true;
        settle(o);
      };
      void (async () => {
        await s.schedule(Promise.resolve(), `entra: code ${me.n}`);
        if (me.settled) return;
        onPrompt({ userCode: `CODE${me.n}`, verificationUri: 'https://login.example/device', expiresInSeconds: 900, intervalSeconds: 5, message: '' });
        for (let poll = 1; !me.settled; poll++) {
          await s.schedule(Promise.resolve(), `entra: poll ${me.n}.${poll}`);
          if (me.settled) return;
          if (stillWanted && !(await stillWanted())) return end({ ok: false, cancelled: true });
          if (signsInAt !== null && poll >= signsInAt) {
            me.signedIn = true;
            return end({
              ok: true,
              account: { tenantId, objectId: `${me.n}-oid`, username: me.username, homeAccountId: `${me.n}-oid.${tenantId}` },
              scopes: SCOPES,
              serializedCache: JSON.stringify(cacheOf(tenantId, me.username, me.n)),
              accessToken: `access-token-${me.n}`,
            });
          }
          if (poll >= POLLS_PER_CODE) return end({ ok: false, cancelled: false, failure: { kind: 'entra', error: { error: 'expired_token', errorCodes: [70020], description: 'AADSTS70020: The provided value for the input parameter device_code is expired.' } } });
        }
      })();
      return { outcome, cancel: () => end({ ok: false, cancelled: true }) };
    },
  };
  const graph: OrganizationReader = {
    read: () => gate('graph organization', async () => ({ ok: true as const, organization: { id: tenantId, displayName: `Race ${n}`, domains: [domain] } })),
  };

  const events: FlowEvent[] = [];
  const flowsOn = (instanceId: string) =>
    createSignIn({
      invitations,
      tenants,
      tokenCaches,
      authority: entra,
      box: sealerOf(box),
      clock,
      random: cryptoRandom,
      lease: new InstanceLease(instanceId, gated('leases', raw.leases), clock),
      notifications: { flowEvent: async (e) => void events.push(e) },
      audit,
      logger,
      publicBaseUrl: onboarding.publicBaseUrl,
      organizations: graph,
    } satisfies SignInDeps, async () => false);
  const owner = flowsOn(OWNER);
  const other = flowsOn(OTHER);

  let link = invited.link;
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

  /** Lets `count` other scheduled steps have their chance first. */
  const after = async (count: number, label: string) => {
    for (let i = 0; i < count; i++) await s.schedule(Promise.resolve(), `${label}: waits`);
  };
  const customer = async () => {
    await owner.links.open(tokenOf(link));
    for (const [i, start] of plan.starts.entries()) {
      await after(start.after, `customer start ${i + 1}`);
      await owner.act('start', { via: 'link', token: tokenOf(link) });
    }
  };
  const staff = async () => {
    for (const [i, { step, after: wait }] of plan.staff.entries()) {
      await after(wait, `staff ${step}`);
      const change = { invitationId, actor: OPERATOR, requestKey: `run-${n}-staff-${i}` };
      if (step === 'revoke') {
        await revokeInvitation(onboarding, change);
      } else if (step === 'resend') {
        const resent = await resendInvitation(onboarding, change);
        if (resent.ok) link = resent.link;
      } else if (step === 'sweep-on-owner') await sweepOrphans(invitations, owner.orphans);
      else await sweepOrphans(invitations, other.orphans);
    }
  };

  await s.waitFor(
    (async () => {
      await Promise.all([customer(), staff()]);
      // Every code ends by itself (tokens, expiry, or the flow no longer wanted) …
      await Promise.all(sessions.map((x) => x.outcome));
      // … and stopping waits for whatever is still activating.
      await owner.stop();
    })(),
  );

  // ——— the outcome ———
  const inv = (await raw.invitations.get(tenantId, invitationId)) as Invitation;
  const tenant = (await raw.tenants.get(tenantId)) as CustomerTenant;
  const storedText = await new TokenCacheStore(raw.tokenCaches, sealerOf(box), clock).load(tenantId);
  const stored = storedText === undefined ? undefined : (JSON.parse(storedText) as Cache);
  const context = `invitation ${inv.status}; history ${inv.history.map((h) => `${h.event}${h.detail ? `(${h.detail})` : ''}`).join(' → ')}\n${s.report().filter((t) => t.status !== 'pending').map((t) => t.label).join(' · ')}`;

  const fromThisRun = accountsIn(stored).filter((u) => u.startsWith('signin'));
  if (inv.status === 'activated') {
    // Exactly the sign-in that activated is kept, next to what was there before.
    expect({ fromThisRun, account: tenant.token?.account, auth: [tenant.authMode, tenant.authStatus], context }).toEqual({
      fromThisRun: [tenant.token?.account],
      account: expect.stringMatching(/^signin\d+@/),
      auth: ['token', 'successful'],
      context,
    });
    expect(accountsIn(stored).filter((u) => !u.startsWith('signin'))).toEqual(accountsIn(previousCache));
  } else {
    // Not activated: no token of this invitation stays, and the tenant is exactly as it was.
    expect({ fromThisRun, context }).toEqual({ fromThisRun: [], context });
    expect({ cache: entriesOf(stored), context }).toEqual({ cache: entriesOf(previousCache), context });
    const pick = (t: CustomerTenant) => ({ authMode: t.authMode, authStatus: t.authStatus, token: t.token, lastValidation: t.lastValidation });
    expect({ tenant: pick(tenant), context }).toEqual({ tenant: pick(tenantBefore), context });
  }
  // A healthy owner is never taken for dead, by itself or by another instance.
  const interruptedAlive = inv.history.filter((h) => h.detail === 'the process polling for it stopped' || h.detail === 'the process activating it stopped');
  expect({ interruptedAlive, context }).toEqual({ interruptedAlive: [], context });
  expect(events.filter((e) => e.kind === 'interrupted' && e.invitation.history.at(-1)?.detail !== 'the service restarted')).toEqual([]);
}

describe('revoke, resend and sweeps interleaved with a sign-in', () => {
  it('never leave a token stored for an invitation that is not activated, nor the tenant changed by a sign-in that lost', async () => {
    const inFlight = { count: 0 };
    const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
    /** After each released task: wait until its store call (and whatever it set off synchronously) is done. */
    const act = async (f: () => Promise<void>) => {
      await f();
      for (let quiet = 0; quiet < 3; ) {
        await tick();
        if (inFlight.count > 0) {
          quiet = 0;
          await new Promise((resolve) => setTimeout(resolve, 1));
        } else quiet++;
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.scheduler({ act }), plans, (s, plan) => runPlan(s, plan, inFlight)),
      { numRuns: 50, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false },
    );
  }, 60_000);
});
