import type { Clock } from '../../clock';
import { RUNNER_LEASE_ID, type SweepRun } from '../../domain/sweep';
import type { LeaseStore, RunnerLease, SweepStore } from '../ports';

export interface SweepStatusDeps {
  readonly leases: LeaseStore;
  readonly sweeps: SweepStore;
  readonly clock: Clock;
  /** VALIDATION_SCHEDULE's next run after a time (croner); undefined when the schedule is off. */
  readonly nextRunAfter?: (at: Date) => Date | undefined;
}

export interface SweepStatus {
  /** The sweep under way, as its last checkpoint has it. */
  readonly running?: SweepRun;
  /** The last one that finished. */
  readonly last?: SweepRun;
  /** `validate all` asked for one that has not started yet. */
  readonly requested?: { readonly sweepId: string; readonly at: string };
  /** When the schedule starts the next one; undefined when the schedule is off. */
  readonly nextRun?: Date;
  readonly scheduleOff: boolean;
}

/** `sweep`: the running and the last sweep, and the next run (three point reads at most). */
export async function getSweepStatus(deps: SweepStatusDeps): Promise<SweepStatus> {
  const now = deps.clock.now();
  const lease = (await deps.leases.read<RunnerLease>(RUNNER_LEASE_ID))?.value;
  const [current, last] = await Promise.all([lease?.current ? deps.sweeps.get(lease.current) : undefined, lease?.last ? deps.sweeps.get(lease.last) : undefined]);
  const from = lease?.scheduledThrough && Date.parse(lease.scheduledThrough) > now.getTime() ? new Date(lease.scheduledThrough) : now;
  return {
    running: current?.status === 'running' ? current : undefined,
    last: current?.status === 'finished' ? current : last,
    requested: lease?.requested && { sweepId: lease.requested.sweepId, at: lease.requested.at },
    nextRun: deps.nextRunAfter?.(from),
    scheduleOff: deps.nextRunAfter === undefined,
  };
}
