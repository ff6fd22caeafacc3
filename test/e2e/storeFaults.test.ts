import { join } from 'node:path';
import { BOOTSTRAP_ADMIN, BotHarness, cardText, cardTitle, startBotHarness } from '../support/botHarness';
import { spawnReady } from '../support/childProcess';
import { FaultMode, FaultProxy, startFaultProxy } from '../support/faultProxy';

/**
 * A sick store never hangs a turn. The bot talks to a Cosmos-protocol server in its own process
 * through a fault proxy; each fault is switched on, then off again, and the bot must answer within
 * its budgets while it lasts and recover by itself after.
 */

const ROOT = join(__dirname, '..', '..');
const TURN_BUDGET_MS = 3_000;
const INVOKE_BUDGET_MS = 4_000;
// What a turn may take beyond its budget on a busy 2-core machine: the HTTP round trip and the reply.
const SLACK_MS = 1_500;

let cosmos: Awaited<ReturnType<typeof spawnReady>>;
let proxy: FaultProxy;
let h: BotHarness;

beforeAll(async () => {
  cosmos = await spawnReady(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/local/cosmosServerProcess.ts')], { PATH: process.env.PATH ?? '' }, 'cosmos-server.ready');
  proxy = await startFaultProxy(String(cosmos.ready.endpoint));
  h = await startBotHarness({
    env: {
      COSMOS_ENDPOINT: proxy.url,
      COSMOS_KEY: String(cosmos.ready.key),
      TURN_BUDGET_MS: String(TURN_BUDGET_MS),
      INVOKE_BUDGET_MS: String(INVOKE_BUDGET_MS),
      // Longer than the budgets: only the turn's deadline can cut a call short here.
      STORE_TIMEOUT_MS: '20000',
      READY_BUDGET_MS: '2000',
      PAGE_BUDGET_MS: '3000',
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await proxy?.close();
  await cosmos?.stop();
});

afterEach(async () => {
  await proxy.set({ kind: 'pass' });
});

const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
};

const FAULTS: [string, FaultMode][] = [
  ['black-holed', { kind: 'blackhole' }],
  ['slower than the budget', { kind: 'slow', delayMs: 8_000 }],
  ['refusing connections', { kind: 'refuse' }],
  ['throttling with Retry-After', { kind: 'throttle', retryAfterMs: 300 }],
  ['throttling without Retry-After', { kind: 'throttle' }],
  ['answering 503', { kind: 'unavailable' }],
];

describe.each(FAULTS)('with the store %s', (_name, fault) => {
  it('a command gets the apology with a reference within its budget', async () => {
    await proxy.set(fault);
    const { value: reply, ms } = await timed(() => h.say(BOOTSTRAP_ADMIN, 'invitations'));
    expect(reply.status).toBe(200);
    expect(cardTitle(reply.card)).toBe('Something went wrong on our side');
    expect(cardText(reply.card)).toMatch(/Reference|[a-z0-9]{12}/);
    expect(ms).toBeLessThan(TURN_BUDGET_MS + SLACK_MS);
  });

  it('a card action is answered within 5 s', async () => {
    await proxy.set(fault);
    const { value: pressed, ms } = await timed(() => h.execute(BOOTSTRAP_ADMIN, 'invitation.revoke', { invitationId: 'inv-7k2m9q4xzt', sentCount: 1 }));
    expect(pressed.status).toBe(200);
    expect(JSON.stringify(pressed.body)).toContain('Something went wrong on our side');
    expect(ms).toBeLessThan(5_000);
  });

  it('/readyz answers 503 at its 2 s budget (a margin for the machine), and 200 again once the store is back', async () => {
    await proxy.set(fault);
    const { value: ready, ms } = await timed(() => h.get('/readyz'));
    expect(ready.status).toBe(503);
    expect(ms).toBeLessThan(2_000 + 1_500);
    await proxy.set({ kind: 'pass' });
    expect((await h.get('/readyz')).status).toBe(200);
  });
});

it('recovers by itself: the same command works as soon as the store answers again', async () => {
  await proxy.set({ kind: 'blackhole' });
  expect(cardTitle((await h.say(BOOTSTRAP_ADMIN, 'tenants')).card)).toBe('Something went wrong on our side');
  await proxy.set({ kind: 'pass' });
  expect(cardTitle((await h.say(BOOTSTRAP_ADMIN, 'tenants')).card)).not.toBe('Something went wrong on our side');
});

it('an invite cut off by a store that stops answering leaves nothing half-written: a retry finishes it, once', async () => {
  const email = 'cut.off@contoso.onmicrosoft.com';
  // Let the tenant lookup and the first writes through, then stop answering mid-invite.
  await proxy.set({ kind: 'slow', delayMs: 2_500 });
  const first = await h.say(BOOTSTRAP_ADMIN, `invite contoso.onmicrosoft.com ${email}`);
  expect(first.status).toBe(200);
  await proxy.set({ kind: 'pass' });
  const retry = await h.say(BOOTSTRAP_ADMIN, `invite contoso.onmicrosoft.com ${email}`);
  expect(['Invitation created', 'Already invited', 'Being invited right now']).toContain(cardTitle(retry.card));
  const docs = await h.documents(['invitations', 'audit']);
  const mine = docs.invitations.filter((i) => i.email === email);
  expect(mine.filter((i) => !['revoked', 'expired', 'activated'].includes(String(i.status)))).toHaveLength(1);
  for (const inv of mine) expect(docs.audit.some((a) => a.action === 'invitation.create' && a.target === inv.id)).toBe(true);
});

it('an unknown invitation link costs one point read of the store, not a query', async () => {
  const token = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64url');
  const before = proxy.seen.requests;
  const response = await h.get(`/invite/${token}/state`);
  expect(response.status).toBe(404);
  expect(proxy.seen.requests - before).toBe(1);
});
