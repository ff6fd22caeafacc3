import { randomBytes } from 'node:crypto';
import { LOCAL_CLIENT_ID } from '../../bot/compose';
import { parseKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { DAY_MS } from '../../src/clock';
import type { SeededRow } from '../../src/local/identitySimulator';
import { BotHarness, ManualClock, memoryPersistence, startBotHarness } from '../support/botHarness';
import { seedStore } from '../support/seededTenants';

/**
 * The sweep keeps every saved sign-in alive: 20 onboarded tenants, 120 simulated days on one clock
 * that the bot and the identity simulator share (the simulator's refresh tokens die after 90 idle
 * days on it), the schedule every 7 days. The test moves the clock a day at a time and lets the
 * runner tick; nothing waits for real time. With the sweep off, every refresh token dies.
 */

const TENANTS = 20;
const DAYS = 120;
const WEEKLY = '0 0 * * 0';
const START = '2026-01-01T09:00:00.000Z'; // a Thursday

interface World {
  h: BotHarness;
  clock: ManualClock;
  rows: SeededRow[];
}

async function start(schedule: string): Promise<World> {
  const clock = new ManualClock(START);
  const key = `k1:${randomBytes(32).toString('base64')}`;
  const persistence = memoryPersistence();
  const h = await startBotHarness({
    env: { VALIDATION_SCHEDULE: schedule, TOKEN_ENCRYPTION_KEY: key, RUNNER_LEASE_TTL_MS: '60000', RUNNER_LEASE_RENEW_MS: '30000', LOG_LEVEL: 'warn' },
    compose: { clock, persistence, simulatorOptions: { clock } },
  });
  const sim = h.bot.simulator!;
  const seeded = sim.control.seedTenants({ count: TENANTS, clientId: LOCAL_CLIENT_ID, prefix: 'keepalive' });
  if (!seeded.ok) throw new Error(`seeding failed: ${seeded.reason}`);
  const keyring = parseKeyring(key);
  if (!keyring.ok) throw new Error(keyring.message);
  await seedStore(persistence.stores, sealerOf(new SecretBox(keyring.keyring)), clock, seeded.rows, { clientId: LOCAL_CLIENT_ID, environment: new URL(sim.url).host });
  return { h, clock, rows: seeded.rows };
}

/** Moves the shared clock a day at a time; after each day the runner ticks and any sweep it starts finishes. */
async function liveDays(w: World, days: number): Promise<void> {
  for (let day = 0; day < days; day++) {
    w.clock.advance(DAY_MS);
    await w.h.bot.runner.nudge();
    await w.h.bot.runner.idle();
  }
}

/** Refresh-token redemptions the simulator answered, by answer (`tokens`, or the AADSTS code). */
function redemptions(w: World): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of w.h.bot.simulator!.control.tokenRequestLog()) {
    if (e.grantType !== 'refresh_token') continue;
    const answer = e.errorCode ? `AADSTS${e.errorCode}` : e.answer;
    out[answer] = (out[answer] ?? 0) + 1;
  }
  return out;
}

/** Validates every tenant once more (the command's use case) and says what its token check found. */
async function tokenChecks(w: World): Promise<string[]> {
  const found: string[] = [];
  for (const [tenantId] of w.rows) {
    const result = await w.h.bot.services.tenants.validate({ tenant: { kind: 'id', value: tenantId }, actor: { kind: 'system', reason: 'test' }, requestKey: `final-${tenantId}`, trigger: 'command' });
    if (!result.ok) throw new Error(`validate ${tenantId}: ${result.reason}`);
    const token = result.validation.checks.find((c) => c.check === 'token')!;
    found.push(token.result === 'passed' ? 'passed' : `${token.result} ${token.explanation?.code}`);
  }
  return found;
}

describe('the sweep keeps refresh tokens alive', () => {
  it('every 7 days for 120 simulated days: no refresh token dies of inactivity', async () => {
    const w = await start(WEEKLY);
    try {
      await liveDays(w, DAYS);
      const sweeps = (await w.h.documents(['sweeps'])).sweeps as { status: string; counts: { checked: number; ok: number } }[];
      // Sundays from 4 January to 25 April 2026.
      expect(sweeps).toHaveLength(17);
      expect(sweeps.every((s) => s.status === 'finished' && s.counts.checked === TENANTS && s.counts.ok === TENANTS)).toBe(true);
      expect(redemptions(w)).toEqual({ tokens: 17 * TENANTS });
      expect(await tokenChecks(w)).toEqual(Array(TENANTS).fill('passed'));
      const records = (await w.h.documents(['validations'])).validations.filter((v) => v.trigger === 'sweep');
      expect(records).toHaveLength(17 * TENANTS);
    } finally {
      await w.h.close();
    }
  });

  it('with the sweep off, every one of them dies after 90 idle days', async () => {
    const w = await start('off');
    try {
      await liveDays(w, DAYS);
      expect((await w.h.documents(['sweeps'])).sweeps).toEqual([]);
      expect(redemptions(w)).toEqual({});
      expect(await tokenChecks(w)).toEqual(Array(TENANTS).fill('failed AADSTS70008'));
    } finally {
      await w.h.close();
    }
  });
});
