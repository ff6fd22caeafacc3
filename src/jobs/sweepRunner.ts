import type { Clock } from '../clock';
import { withoutDeadline } from '../deadline';
import { NO_COUNTS, RUNNER_LEASE_ID, SWEEP_TTL_SECONDS, type SweepRun } from '../domain/sweep';
import type { AuditActor } from '../domain/staff';
import type { Logger } from '../log';
import type { Schedule } from '../schedule';
import type { LeaseStore, RunnerLease, SweepStore } from '../usecases/ports';
import type { RunnerHold, SweepResult } from '../usecases/sweeps/runSweep';

export interface SweepRunnerOptions {
  readonly instanceId: string;
  readonly leases: LeaseStore;
  readonly sweeps: SweepStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** RUNNER_LEASE_TTL_MS, RUNNER_LEASE_RENEW_MS. */
  readonly ttlMs: number;
  readonly renewMs: number;
  /** VALIDATION_SCHEDULE; undefined: no scheduled sweeps (`validate all` still starts one). */
  readonly schedule?: Schedule;
  /** The orphan sweep of sign-in flows: run by the runner at each of its ticks. */
  orphans(): Promise<number>;
  /** Runs (or resumes) a sweep as the holder of the lease. */
  runSweep(sweepId: string, hold: RunnerHold): Promise<SweepResult>;
}

interface Held {
  readonly fence: number;
  version: string;
  doc: RunnerLease;
  /** When the lease lapses for the others (its `expiresAt`, on this process's clock). */
  expiresAtMs: number;
}

/** How long `stop` waits for a sweep's validations in flight before it lets go of the lease anyway. */
const STOP_WAIT_MS = 5_000;

/**
 * One runner across instances. Every instance ticks every RUNNER_LEASE_RENEW_MS: the holder renews
 * the lease (a write conditional on its etag, so two holders are impossible), the others read it
 * and take it once it has lapsed (RUNNER_LEASE_TTL_MS without renewal) — with the fencing number
 * one higher, which every write of the new runner carries. The holder, at each tick: the orphan
 * sweep of sign-in flows; then, unless a sweep already runs in this process, the sweep the lease
 * names as current (one a dead runner left: resumed), else one `validate all` asked for, else the
 * scheduled one when its time (by the Clock port, from croner's next run) has come.
 *
 * The holder's writes stop a safety margin before its lease would lapse for the others (`mayWrite`),
 * so a runner that cannot renew (the store unreachable, the process paused) goes quiet before
 * anyone may take over; what a pause between that check and the store still lets through is
 * refused by the writes' own conditions (docs/ARCHITECTURE.md, "One runner across instances").
 */
export class SweepRunner {
  private held?: Held;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private sweep?: { readonly id: string; readonly done: Promise<void>; readonly abort: AbortController };
  private stopped = false;
  private readonly safetyMs: number;

  constructor(private readonly options: SweepRunnerOptions) {
    this.safetyMs = Math.min(5_000, Math.floor(options.ttlMs / 5));
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** Whether this process holds the runner lease now. */
  get isRunner(): boolean {
    return this.held !== undefined && this.options.clock.now().getTime() < this.held.expiresAtMs;
  }

  /** The first tick (so a lone instance is the runner once it is ready), then one every RUNNER_LEASE_RENEW_MS. */
  async start(): Promise<void> {
    const { instanceId, ttlMs, renewMs, schedule, logger } = this.options;
    logger.info({ event: 'runner.started', instanceId, ttlMs, renewMs, schedule: schedule?.pattern ?? 'off' }, 'this instance takes part in the runner lease');
    await this.tickOnce();
    this.timer = setInterval(() => void this.tickOnce(), this.options.renewMs);
    this.timer.unref();
  }

  /** A tick now (after `validate all` on this instance: a runner starts it without waiting for its next tick); one under way is let finish first, since it may have read the lease before the request was written. */
  async nudge(): Promise<void> {
    await this.ticking;
    await this.tickOnce();
  }

  /** Resolves when the sweep running in this process (if any) is over; for tests. */
  async idle(): Promise<void> {
    await this.ticking;
    await this.sweep?.done;
  }

  private tickOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // A tick may be asked for from a turn (validate all): it and the sweep it starts run outside that turn's deadline.
    this.ticking ??= withoutDeadline(() => this.tick())
      .catch((error: unknown) => {
        this.options.logger.warn({ event: 'runner.tick-failed', instanceId: this.instanceId, err: error }, 'the runner tick failed (the store may be unreachable)');
        // Past the lease's life nobody can tell this process still runs: the sweep stops writing and ends.
        if (this.held && this.options.clock.now().getTime() >= this.held.expiresAtMs) this.lose('the runner lease lapsed while the store could not be reached');
      })
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async tick(): Promise<void> {
    if (!(await this.holdLease())) return;
    const interrupted = await this.options.orphans().catch((error: unknown) => {
      this.options.logger.warn({ event: 'runner.orphans-failed', err: error }, 'the orphan sweep of sign-in flows failed');
      return 0;
    });
    if (interrupted > 0) this.options.logger.warn({ event: 'flows.interrupted', count: interrupted }, 'sign-in flows left by a stopped process are now interrupted');
    if (!this.sweep && !this.stopped) await this.startDueSweep();
  }

  /** Renews the lease, or takes it when it lapsed; true while this process holds it. */
  private async holdLease(): Promise<boolean> {
    const { leases, clock, ttlMs, instanceId, logger } = this.options;
    const nowMs = clock.now().getTime();
    const expiresAtMs = nowMs + ttlMs;
    const expiresAt = new Date(expiresAtMs).toISOString();
    if (this.held) {
      const held = this.held;
      const renewed = { ...held.doc, expiresAt };
      const version = await leases.replace(renewed, held.version);
      if (version) return this.keep(held, renewed, version, expiresAtMs);
      // Someone wrote it since: a `validate all` request (ours still), or a runner that took over.
      const fresh = await leases.read<RunnerLease>(RUNNER_LEASE_ID);
      if (fresh && fresh.value.holder === instanceId && fresh.value.fence === held.fence) {
        const merged = { ...fresh.value, expiresAt };
        const again = await leases.replace(merged, fresh.version);
        if (again) return this.keep(held, merged, again, expiresAtMs);
        return nowMs < held.expiresAtMs;
      }
      logger.warn({ event: 'runner.lease-lost', instanceId, fence: held.fence, to: fresh?.value.holder, toFence: fresh?.value.fence }, 'another instance holds the runner lease now');
      this.lose('another instance took the runner lease');
      return false;
    }

    const fresh = await leases.read<RunnerLease>(RUNNER_LEASE_ID);
    if (fresh && fresh.value.holder !== '' && fresh.value.holder !== instanceId && Date.parse(fresh.value.expiresAt) > nowMs) return false;
    const fence = (fresh?.value.fence ?? 0) + 1;
    const taken: RunnerLease = { ...(fresh?.value ?? { id: RUNNER_LEASE_ID }), holder: instanceId, fence, expiresAt };
    const version = fresh ? await leases.replace(taken, fresh.version) : await leases.create(taken);
    if (!version) return false;
    this.held = { fence, version, doc: taken, expiresAtMs };
    const from = fresh?.value.holder || undefined;
    logger.info({ event: 'runner.lease-taken', instanceId, fence, from, sweep: taken.current }, from ? `runner lease taken over from ${from}` : 'runner lease taken');
    return true;
  }

  private keep(held: Held, doc: RunnerLease, version: string, expiresAtMs: number): boolean {
    held.doc = doc;
    held.version = version;
    held.expiresAtMs = expiresAtMs;
    return true;
  }

  /** Writes the runner's state into the lease, conditionally; false when the lease is no longer ours. */
  private async changeLease(change: (doc: RunnerLease) => RunnerLease): Promise<boolean> {
    const held = this.held;
    if (!held) return false;
    const { leases, instanceId } = this.options;
    const next = change(held.doc);
    const version = await leases.replace(next, held.version);
    if (version) return this.keep(held, next, version, held.expiresAtMs);
    const fresh = await leases.read<RunnerLease>(RUNNER_LEASE_ID);
    if (!fresh || fresh.value.holder !== instanceId || fresh.value.fence !== held.fence) {
      this.lose('another instance took the runner lease');
      return false;
    }
    const merged = change(fresh.value);
    const again = await leases.replace(merged, fresh.version);
    return again ? this.keep(held, merged, again, held.expiresAtMs) : false;
  }

  /** The sweep to run now, if any: the current one (resumed), the requested one, the scheduled one. */
  private async startDueSweep(): Promise<void> {
    const held = this.held;
    if (!held) return;
    const { clock, schedule, sweeps, logger } = this.options;
    const doc = held.doc;
    const now = clock.now();
    if (doc.current) return this.launch(doc.current);

    if (doc.requested) {
      const { sweepId, by } = doc.requested;
      await sweeps.create(newRun(sweepId, 'command', by, now));
      // Only this request is taken off (on a lost race the change is applied to fresh data).
      if (await this.changeLease((d) => ({ ...d, current: sweepId, requested: d.requested?.sweepId === sweepId ? undefined : d.requested }))) this.launch(sweepId);
      return;
    }

    if (!schedule) return;
    if (!doc.scheduledThrough) {
      // The first runner ever: the schedule counts from now (no sweep for the slots before it).
      await this.changeLease((d) => ({ ...d, scheduledThrough: now.toISOString() }));
      return;
    }
    const slot = schedule.nextAfter(new Date(doc.scheduledThrough));
    if (!slot || slot.getTime() > now.getTime()) return;
    const sweepId = `sweep-${slot.toISOString().replace(/[-:]|\.\d+/g, '').replace(/00Z$/, 'Z')}`;
    await sweeps.create({ ...newRun(sweepId, 'schedule', { kind: 'system', reason: 'schedule' }, now), slot: slot.toISOString() });
    // Slots missed while nobody ran (or while a sweep ran) are one sweep, not a backlog.
    if (await this.changeLease((d) => ({ ...d, current: sweepId, scheduledThrough: now.toISOString() }))) {
      logger.info({ event: 'sweep.scheduled', sweepId, slot: slot.toISOString(), schedule: schedule.pattern }, 'the scheduled sweep is due');
      this.launch(sweepId);
    }
  }

  private launch(sweepId: string): void {
    const held = this.held;
    if (!held || this.sweep) return;
    const abort = new AbortController();
    const fence = held.fence;
    const hold: RunnerHold = {
      instanceId: this.instanceId,
      fence,
      mayWrite: () => this.mayWrite(fence),
      signal: abort.signal,
    };
    const done = withoutDeadline(() => this.options.runSweep(sweepId, hold))
      .then(async (result) => {
        if (result.ok || result.reason === 'finished' || result.reason === 'not-found') {
          await this.changeLease((d) => (d.current === sweepId ? { ...d, current: undefined, last: result.ok || result.reason === 'finished' ? sweepId : d.last } : d));
        } else if (result.reason === 'fenced') {
          this.lose('a runner with a higher fence has the sweep');
        }
      })
      .catch((error: unknown) => this.options.logger.error({ event: 'sweep.failed', sweepId, err: error }, 'the sweep stopped on an unexpected error; the next tick resumes it'))
      .finally(() => {
        if (this.sweep?.id === sweepId) this.sweep = undefined;
      });
    this.sweep = { id: sweepId, done, abort };
  }

  /** The runner may write while it holds the lease with this fence and the lease has a margin left. */
  private mayWrite(fence: number): boolean {
    const held = this.held;
    return held !== undefined && held.fence === fence && !this.stopped && this.options.clock.now().getTime() < held.expiresAtMs - this.safetyMs;
  }

  private lose(why: string): void {
    this.held = undefined;
    if (this.sweep) {
      this.options.logger.warn({ event: 'runner.sweep-stopped', sweepId: this.sweep.id, why }, 'the sweep stops in this process');
      this.sweep.abort.abort();
    }
  }

  /** Stops the sweep here (the next runner resumes it) and lets go of the lease, so another instance takes it at its next tick. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    const sweep = this.sweep;
    if (sweep) {
      sweep.abort.abort();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([sweep.done, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]).finally(() => clearTimeout(timer));
    }
    const held = this.held;
    this.held = undefined;
    if (held) await this.options.leases.replace({ ...held.doc, holder: '', expiresAt: this.options.clock.now().toISOString() }, held.version).catch(() => undefined);
  }
}

function newRun(id: string, trigger: SweepRun['trigger'], requestedBy: AuditActor, now: Date): SweepRun {
  return { id, trigger, requestedBy, status: 'running', startedAt: now.toISOString(), counts: NO_COUNTS, runner: '', fence: 0, resumes: 0, ttl: SWEEP_TTL_SECONDS };
}
