import type { Clock } from '../../clock';
import { RUNNER_LEASE_ID, type SweepRun } from '../../domain/sweep';
import { staffActor, type Actor } from '../../domain/staff';
import type { LeaseStore, RunnerLease, SweepStore } from '../ports';
import { stableId } from '../stableId';

export interface RequestSweepDeps {
  readonly leases: LeaseStore;
  readonly sweeps: SweepStore;
  readonly clock: Clock;
}

export type RequestSweepResult =
  /** The runner starts it at its next tick (at once when this instance is the runner). */
  | { ok: true; sweepId: string; runner?: string }
  /** One is under way already: `validate all` does not start a second. */
  | { ok: false; reason: 'running'; run: SweepRun }
  /** Asked for already, not started yet. */
  | { ok: false; reason: 'requested'; sweepId: string; at: string }
  | { ok: false; reason: 'busy' };

/**
 * `validate all`: asks the runner for a sweep now. The request goes into the runner lease's document
 * (conditionally, on its etag), so whichever instance runs sweeps picks it up; the same request
 * redelivered names the same sweep.
 */
export async function requestSweep(deps: RequestSweepDeps, input: { actor: Actor; requestKey: string }): Promise<RequestSweepResult> {
  const sweepId = `sweep-${stableId('', `validate-all|${input.requestKey}`, 12)}`;
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await deps.leases.read<RunnerLease>(RUNNER_LEASE_ID);
    const lease = stored?.value;
    if (lease?.requested) {
      if (lease.requested.sweepId === sweepId) return { ok: true, sweepId, runner: lease.holder || undefined };
      return { ok: false, reason: 'requested', sweepId: lease.requested.sweepId, at: lease.requested.at };
    }
    if (lease?.current) {
      const run = await deps.sweeps.get(lease.current);
      if (run?.id === sweepId) return { ok: true, sweepId, runner: run.runner || undefined };
      if (run && run.status === 'running') return { ok: false, reason: 'running', run };
    }
    const next: RunnerLease = {
      ...(lease ?? { id: RUNNER_LEASE_ID, holder: '', fence: 0, expiresAt: new Date(0).toISOString() }),
      requested: { sweepId, at: deps.clock.now().toISOString(), by: staffActor(input.actor) },
    };
    const written = stored ? await deps.leases.replace(next, stored.version) : await deps.leases.create(next);
    if (written) return { ok: true, sweepId, runner: lease?.holder || undefined };
  }
  return { ok: false, reason: 'busy' };
}
