import { memoryStores, type MemoryStores } from '../../src/adapters/memory/memoryStores';
import { currentDeadline, withDeadline } from '../../src/deadline';
import { RUNNER_LEASE_ID } from '../../src/domain/sweep';
import { SweepRunner } from '../../src/jobs/sweepRunner';
import { createLogger } from '../../src/log';
import { parseSchedule } from '../../src/schedule';
import type { RunnerLease } from '../../src/usecases/ports';
import { requestSweep } from '../../src/usecases/sweeps/requestSweep';
import type { RunnerHold, SweepResult } from '../../src/usecases/sweeps/runSweep';
import { getSweepStatus } from '../../src/usecases/sweeps/sweepStatus';
import { ManualClock } from '../support/clocks';

/**
 * The runner lease on the in-memory stores, ticked by hand on a clock the test moves: one holder at
 * a time, the fence one higher at each takeover, the orphan sweep on the holder only, the schedule
 * by the clock, `validate all` from any instance, and a sweep left by a dead runner resumed.
 */

const TTL_MS = 30_000;
const WEEKLY = parseSchedule('0 0 * * 0');
if (!WEEKLY.ok) throw new Error(WEEKLY.message);

interface Ran {
  sweepId: string;
  hold: RunnerHold;
  /** Whether the sweep started under some caller's deadline (it must not). */
  underDeadline: boolean;
  finish(result?: SweepResult): void;
}

function instance(stores: MemoryStores, clock: ManualClock, instanceId: string, options: { schedule?: boolean } = {}) {
  const ran: Ran[] = [];
  let orphanSweeps = 0;
  const runner = new SweepRunner({
    instanceId,
    leases: stores.leases,
    sweeps: stores.sweeps,
    clock,
    logger: createLogger('silent'),
    ttlMs: TTL_MS,
    renewMs: 3_600_000,
    schedule: options.schedule === false ? undefined : WEEKLY.ok ? WEEKLY.schedule : undefined,
    orphans: async () => (orphanSweeps++, 0),
    runSweep: (sweepId, hold) =>
      new Promise<SweepResult>((resolve) => {
        ran.push({ sweepId, hold, underDeadline: currentDeadline() !== undefined, finish: (result) => resolve(result ?? { ok: true, run: {} as never }) });
      }),
  });
  return { runner, ran, orphanSweeps: () => orphanSweeps };
}

const lease = async (stores: MemoryStores) => (await stores.leases.read<RunnerLease>(RUNNER_LEASE_ID))?.value;
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('the runner lease', () => {
  it('has one holder at a time; the other takes it, one fence higher, only once it lapsed, and the orphan sweep runs on the holder only', async () => {
    const stores = memoryStores();
    const clock = new ManualClock('2026-12-01T06:00:00.000Z');
    const a = instance(stores, clock, 'a');
    const b = instance(stores, clock, 'b');
    await a.runner.nudge();
    await b.runner.nudge();
    expect(await lease(stores)).toMatchObject({ holder: 'a', fence: 1 });
    expect([a.runner.isRunner, b.runner.isRunner]).toEqual([true, false]);
    expect([a.orphanSweeps(), b.orphanSweeps()]).toEqual([1, 0]);

    // a stops ticking (its process is gone) but does not let go: b waits out the TTL.
    clock.advance(TTL_MS - 1);
    await b.runner.nudge();
    expect((await lease(stores))?.holder).toBe('a');
    clock.advance(2);
    await b.runner.nudge();
    expect(await lease(stores)).toMatchObject({ holder: 'b', fence: 2 });
    expect(b.orphanSweeps()).toBe(1);

    // a comes back: its renewal is refused (the etag moved), so it follows.
    await a.runner.nudge();
    expect([a.runner.isRunner, b.runner.isRunner]).toEqual([false, true]);
    expect(await lease(stores)).toMatchObject({ holder: 'b', fence: 2 });

    // A clean stop lets go at once: a takes it at its next tick.
    await b.runner.stop();
    await a.runner.nudge();
    expect(await lease(stores)).toMatchObject({ holder: 'a', fence: 3 });
    await a.runner.stop();
  });

  it('starts the scheduled sweep when the clock reaches its slot, once, and records it as the last one', async () => {
    const stores = memoryStores();
    const clock = new ManualClock('2026-12-01T06:00:00.000Z'); // a Tuesday
    const a = instance(stores, clock, 'a');
    await a.runner.nudge();
    // The first runner ever counts the schedule from now: nothing for the slots before it.
    expect(a.ran).toEqual([]);
    expect((await lease(stores))?.scheduledThrough).toBe('2026-12-01T06:00:00.000Z');
    expect((await getSweepStatus({ leases: stores.leases, sweeps: stores.sweeps, clock, nextRunAfter: (at) => (WEEKLY.ok ? WEEKLY.schedule.nextAfter(at) : undefined) })).nextRun).toEqual(new Date('2026-12-06T00:00:00.000Z'));

    clock.advance(5 * 24 * 3_600_000); // Sunday 06:00
    await a.runner.nudge();
    expect(a.ran.map((r) => r.sweepId)).toEqual(['sweep-20261206T0000Z']);
    expect(a.ran[0].hold.fence).toBe(1);
    expect(await stores.sweeps.get('sweep-20261206T0000Z')).toMatchObject({ trigger: 'schedule', slot: '2026-12-06T00:00:00.000Z', status: 'running' });
    await a.runner.nudge();
    expect(a.ran).toHaveLength(1);
    a.ran[0].finish();
    await a.runner.idle();
    expect(await lease(stores)).toMatchObject({ last: 'sweep-20261206T0000Z' });
    expect((await lease(stores))?.current).toBeUndefined();
    await a.runner.nudge();
    expect(a.ran).toHaveLength(1);
    await a.runner.stop();
  });

  it('starts a sweep asked for on any instance (validate all), and a second one is refused while it runs', async () => {
    const stores = memoryStores();
    const clock = new ManualClock('2026-12-01T06:00:00.000Z');
    const a = instance(stores, clock, 'a', { schedule: false });
    const b = instance(stores, clock, 'b', { schedule: false });
    await a.runner.nudge();
    const actor = { aadObjectId: 'c0ffee00-0000-4000-8000-000000000001', tenantId: 't', name: 'Olga Operator' };
    const asked = await requestSweep({ leases: stores.leases, sweeps: stores.sweeps, clock }, { actor, requestKey: 'activity-1' });
    expect(asked).toMatchObject({ ok: true, runner: 'a' });
    // The same request redelivered names the same sweep.
    expect(await requestSweep({ leases: stores.leases, sweeps: stores.sweeps, clock }, { actor, requestKey: 'activity-1' })).toEqual(asked);
    await b.runner.nudge();
    expect(b.ran).toEqual([]);
    // Asked for from a turn: the sweep it starts does not inherit the turn's deadline (it outlives the turn).
    await withDeadline(5_000, 'the validate all turn', () => a.runner.nudge());
    expect(a.ran.map((r) => [r.sweepId, r.underDeadline])).toEqual([[asked.ok && asked.sweepId, false]]);
    expect(await stores.sweeps.get(a.ran[0].sweepId)).toMatchObject({ trigger: 'command', requestedBy: { kind: 'staff', name: 'Olga Operator' } });
    const again = await requestSweep({ leases: stores.leases, sweeps: stores.sweeps, clock }, { actor, requestKey: 'activity-2' });
    expect(again).toMatchObject({ ok: false, reason: 'running' });
    a.ran[0].finish();
    await a.runner.stop();
  });

  it('resumes, one fence higher, the sweep a runner left when it died; the old runner may no longer write', async () => {
    const stores = memoryStores();
    const clock = new ManualClock('2026-12-01T06:00:00.000Z');
    const a = instance(stores, clock, 'a', { schedule: false });
    const b = instance(stores, clock, 'b', { schedule: false });
    await a.runner.nudge();
    await requestSweep({ leases: stores.leases, sweeps: stores.sweeps, clock }, { actor: { aadObjectId: 'x', tenantId: 't' }, requestKey: 'k' });
    await a.runner.nudge();
    const left = a.ran[0];
    expect(left.hold.mayWrite()).toBe(true);

    // a's process hangs: no more ticks. Within the TTL's last fifth it already stops writing.
    clock.advance(TTL_MS - 5_000);
    expect(left.hold.mayWrite()).toBe(false);
    clock.advance(5_001);
    await b.runner.nudge();
    expect(b.ran.map((r) => [r.sweepId, r.hold.fence])).toEqual([[left.sweepId, 2]]);

    // a wakes up: its renewal fails, its sweep is told to stop.
    await a.runner.nudge();
    await settle();
    expect(left.hold.signal.aborted).toBe(true);
    expect(left.hold.mayWrite()).toBe(false);
    b.ran[0].finish();
    await b.runner.idle();
    expect(await lease(stores)).toMatchObject({ holder: 'b', fence: 2, last: left.sweepId });
    expect((await lease(stores))?.current).toBeUndefined();
    left.finish({ ok: false, reason: 'deposed' });
    await b.runner.stop();
    await a.runner.stop();
  });
});
