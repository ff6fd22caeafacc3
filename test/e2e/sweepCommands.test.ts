import { randomBytes } from 'node:crypto';
import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { parseKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { AdaptiveCardJson, BOOTSTRAP_ADMIN, BotHarness, cardText, cardTitle, ManualClock, memoryPersistence, startBotHarness, teamsUser } from '../support/botHarness';
import { seedStore } from '../support/seededTenants';

/**
 * `validate all` (operator) and `sweep` (viewer) through the real server, on the in-memory stores
 * and the identity simulator in the process, with three seeded tenants.
 */

const VIEWER = teamsUser('c0a80101-2222-4aaa-8bbb-0000000000a2', 'Victor Viewer');
const clock = new ManualClock('2026-12-01T07:30:00.000Z');
let h: BotHarness;

/** Each section of the sweep card (a heading and its facts). */
function sections(card: AdaptiveCardJson | undefined): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const item of (card?.body ?? []) as { type: string; items?: { type: string; text?: string; facts?: { title: string; value: string }[] }[] }[]) {
    if (item.type !== 'Container' || !item.items) continue;
    const heading = item.items.find((i) => i.type === 'TextBlock')?.text ?? '';
    const facts = item.items.find((i) => i.type === 'FactSet')?.facts ?? [];
    out[heading] = Object.fromEntries(facts.map((f) => [f.title, f.value]));
  }
  return out;
}

beforeAll(async () => {
  const key = `k1:${randomBytes(32).toString('base64')}`;
  const persistence = memoryPersistence();
  h = await startBotHarness({ env: { TOKEN_ENCRYPTION_KEY: key }, compose: { clock, persistence, simulatorOptions: { clock } } });
  const sim = h.bot.simulator!;
  const seeded = sim.control.seedTenants({ count: 3, clientId: LOCAL_CLIENT_ID, prefix: 'sweepcmd' });
  if (!seeded.ok) throw new Error(seeded.reason);
  const keyring = parseKeyring(key);
  if (!keyring.ok) throw new Error(keyring.message);
  await seedStore(persistence.stores, sealerOf(new SecretBox(keyring.keyring)), clock, seeded.rows, { clientId: LOCAL_CLIENT_ID, environment: new URL(sim.url).host });
  expect((await h.say(BOOTSTRAP_ADMIN, `staff add ${VIEWER.aadObjectId} viewer`)).status).toBe(200);
}, 30_000);

afterAll(() => h?.close());
afterEach(() => h.bot.simulator!.control.clearFaults());

describe('sweep and validate all', () => {
  it('sweep (viewer) says none has run yet, and when the schedule runs the next one', async () => {
    const card = (await h.say(VIEWER, 'sweep')).card;
    expect(cardTitle(card)).toBe('Sweeps');
    expect(cardText(card)).toContain('No sweep has run yet.');
    expect(sections(card).Schedule).toEqual({ 'Next run': '2026-12-01 12:00 UTC' });
  });

  it('validate all needs the operator role', async () => {
    const card = (await h.say(VIEWER, 'validate all')).card;
    expect(cardText(card)).toMatch(/operator/);
    expect((await h.documents(['sweeps'])).sweeps).toEqual([]);
  });

  it('validate all starts a sweep now; a second one is refused while it runs; sweep shows the running one, then the last one', async () => {
    // Slow enough that the sweep is still running when the next messages arrive.
    h.bot.simulator!.control.setFault({ service: 'all', latencyMs: 300 });
    const started = (await h.say(BOOTSTRAP_ADMIN, 'validate all')).card;
    expect(cardTitle(started)).toBe('Sweep started');
    expect(cardTitle((await h.say(BOOTSTRAP_ADMIN, 'validate all')).card)).toBe('A sweep is already running');

    const running = (await h.say(VIEWER, 'sweep')).card;
    expect(cardTitle(running)).toBe('Sweep running');
    expect(sections(running)['Running sweep']).toMatchObject({ Started: '2026-12-01 07:30 UTC', 'Asked by': 'validate all, by Provider Admin' });

    await h.bot.runner.idle();
    const done = (await h.say(VIEWER, 'sweep')).card;
    expect(cardTitle(done)).toBe('Sweeps');
    expect(sections(done)['Last sweep']).toMatchObject({ Started: '2026-12-01 07:30 UTC', Finished: '2026-12-01 07:30 UTC', 'Tenants checked': '3', OK: '3', Failed: '0', Skipped: '0' });
    expect(sections(done)['Last sweep'].Duration).toMatch(/^\d+ s$/);
    expect(sections(done).Schedule).toEqual({ 'Next run': '2026-12-01 12:00 UTC' });

    const audit = (await h.documents(['audit'])).audit.filter((a) => a.action === 'tenants.sweep');
    expect(audit).toEqual([expect.objectContaining({ outcome: 'ok', detail: 'validate all: 3 checked, 3 ok, 0 failed, 0 skipped', actor: expect.objectContaining({ kind: 'staff', name: 'Provider Admin' }) })]);
    expect((await h.documents(['validations'])).validations.filter((v) => v.trigger === 'sweep')).toHaveLength(3);
  });

  it('validate <tenant> is still the one-tenant validation, and help shows both', async () => {
    const [tenant] = (await h.documents(['tenants'])).tenants as { tenantId: string; domain: string }[];
    expect(cardTitle((await h.say(BOOTSTRAP_ADMIN, `validate ${tenant.domain}`)).card)).toBe('Last Authentication Status: Successful');
    expect(cardText((await h.say(BOOTSTRAP_ADMIN, 'help validate')).card)).toContain('validate all');
  });
});
