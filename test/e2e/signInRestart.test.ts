import { randomBytes } from 'node:crypto';
import { EmbeddedCosmos, startEmbeddedCosmos } from '../../src/local/embeddedCosmos';
import type { SimulatedTenant } from '../../src/local/identitySimulator';
import { ManualClock } from '../support/botHarness';
import { adminOf, invite, Invited, simulatedDirectory, SignInWorld, staffUpdates, startSignInWorld, storedInvitation, waitUntil } from './signInDriver';

/**
 * A process restart never leaves a flow "in progress" forever. Several bot processes share one
 * Cosmos-protocol server (as instances share Cosmos DB): a flow is started on A, A goes away, and the
 * page, the store and the staff chat say the flow was interrupted and can start again on B.
 */

const dir = simulatedDirectory(['relecloud', 'graphicdesign']);
const GRACEFUL = dir.bySlug.relecloud;
const CRASHED = dir.bySlug.graphicdesign;
const LEASE_TTL_MS = 60_000;

let cosmos: EmbeddedCosmos;
/** What is still open at the end: bots, and the connectors of bots already stopped. */
const cleanup: (() => Promise<void>)[] = [];

const TOKEN_ENCRYPTION_KEY = `k1:${randomBytes(32).toString('base64')}`;

/** One process of the bot on the shared store, with its own identity simulator and Teams connector. */
function startInstance(instanceId: string, clock?: ManualClock): Promise<SignInWorld> {
  return startSignInWorld(dir.tenants, {
    // Instances of a real deployment share the store and the encryption key.
    env: { COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: cosmos.key, TOKEN_ENCRYPTION_KEY },
    compose: { instanceId, clock },
  });
}

beforeAll(async () => {
  cosmos = await startEmbeddedCosmos();
});

afterAll(async () => {
  for (const close of cleanup.reverse()) await close().catch(() => undefined);
  await cosmos?.close();
});

async function signingIn(world: SignInWorld, tenant: SimulatedTenant): Promise<{ inv: Invited; userCode: string }> {
  const inv = await invite(world.h, tenant, adminOf(tenant));
  expect((await inv.page.open()).status).toBe(200);
  const { userCode } = await inv.page.startAndGetCode();
  await waitUntil(() => world.sim.control.pollLog(userCode).length > 0, 'the first poll');
  await waitUntil(() => staffUpdates(world.h, inv.id).some((u) => u.title === 'sign-in started'), 'the sign-in started staff update');
  return { inv, userCode };
}

type History = { event: string; detail?: string }[];

describe('restart while an admin is signing in', () => {
  let b: SignInWorld;
  let graceful: Invited;
  let crashed: Invited;

  it('a graceful stop marks the flow interrupted and tells staff before the process ends', async () => {
    const a = await startInstance('a-graceful');
    cleanup.push(() => a.h.connector.close());
    const { inv, userCode } = await signingIn(a, GRACEFUL);

    await a.h.bot.close();

    expect(staffUpdates(a.h, inv.id).map((u) => u.title)).toEqual(['invitation opened', 'sign-in started', 'sign-in interrupted']);
    const polls = a.sim.control.pollLog(userCode).length;
    await new Promise((r) => setTimeout(r, 300));
    expect(a.sim.control.pollLog(userCode)).toHaveLength(polls);
    graceful = inv;
  });

  it('a crash leaves the flow to the lease: a new instance interrupts it only once the lease of the dead one has lapsed', async () => {
    const a = await startInstance('a-crash');
    const { inv } = await signingIn(a, CRASHED);
    // The process dies: its poll stops and its server goes away, and nothing more is written.
    a.h.bot.signIn.flowControl.cancel(inv.id);
    await new Promise<void>((resolve) => a.h.bot.server.close(() => resolve()));
    // Its connector stands for Teams: the staff chat's saved reference points there.
    cleanup.push(() => a.h.connector.close(), () => a.h.bot.close());
    crashed = inv;

    // Within A's lease another instance must not take the flow away.
    const early = await startInstance('b-early');
    cleanup.push(() => early.h.close());
    expect((await storedInvitation(early.h, inv.id)).status).toBe('signing_in');
    expect(early.h.logs.records().some((r) => r.event === 'flows.interrupted')).toBe(false);

    // A minute later A has not renewed its lease: B's start-up interrupts A's flow.
    const later = new ManualClock(new Date(Date.now() + LEASE_TTL_MS + 1_000));
    b = await startInstance('b', later);
    cleanup.push(() => b.h.close());

    const stored = await storedInvitation(b.h, inv.id);
    expect(stored.status).toBe('interrupted');
    expect(stored.flow).toBeUndefined();
    expect((stored.history as History).at(-1)).toMatchObject({ event: 'interrupt', detail: 'the process polling for it stopped' });
    expect(b.h.logs.records().find((r) => r.event === 'flows.interrupted')).toMatchObject({ count: 1 });
    const told = await waitUntil(() => staffUpdates(a.h, inv.id).find((u) => u.title === 'sign-in interrupted'), 'the interrupted staff update');
    expect(told.text).toContain('Start again');
    expect(told.card.actions).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'Resend (new link)' })]));
  });

  it.each([
    ['graceful stop', () => graceful, GRACEFUL, 'the service restarted'],
    ['crash', () => crashed, CRASHED, 'the process polling for it stopped'],
  ])('after a %s the page offers Start again, and starting again on the new instance works', async (_what, which, tenant, why) => {
    const inv = which();
    const page = inv.page.on(b.h);
    expect(((await storedInvitation(b.h, inv.id)).history as History).filter((e) => e.event === 'interrupt')).toEqual([expect.objectContaining({ detail: why })]);

    const screen = await page.state();
    expect(screen.title).toBe('Sign-in was interrupted');
    expect(screen.userCode).toBeUndefined();
    expect(screen.buttons).toEqual(['Start again']);
    expect((await storedInvitation(b.h, inv.id)).status).toBe('interrupted');

    const restarted = await page.press(screen, 'Start again');
    const next = restarted.userCode ? restarted : await page.waitFor((s) => s.userCode !== undefined);
    expect((await storedInvitation(b.h, inv.id)).flow).toMatchObject({ ownerId: 'b' });
    b.sim.control.completeDeviceCode({ userCode: next.userCode!, upn: adminOf(tenant) });
    await page.waitFor('Tenant activated');
  });
});
