import type { Clock } from '../../src/clock';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import { parseSchedule, type Schedule } from '../../src/schedule';
import type { Audit, InvitationStore, LeaseStore, SweepStore } from '../../src/usecases/ports';
import type { ValidateDeps } from '../../src/usecases/tenants/validateTenant';
import { sweepOrphans } from '../../src/jobs/orphanSweep';
import { InstanceLease } from '../../src/jobs/instanceLease';
import { SweepRunner } from '../../src/jobs/sweepRunner';
import { runSweep, type SweepDeps } from '../../src/usecases/sweeps/runSweep';
import type { SignIn } from '../../src/usecases/signIn/signIn';
import type { Closers } from './closers';

export function composeLease(config: Config, leases: LeaseStore, clock: Clock, instanceId: string): InstanceLease {
  return new InstanceLease(instanceId, leases, clock, config.timings.leaseTtlMs, config.timings.leaseRenewMs);
}

/** VALIDATION_SCHEDULE, parsed (config has checked it); undefined when it is off. Composed once, shared by the runner and `sweep`. */
export function composeSchedule(config: Config): Schedule | undefined {
  if (config.validationSchedule === undefined) return undefined;
  const parsed = parseSchedule(config.validationSchedule);
  if (!parsed.ok) throw new Error(`VALIDATION_SCHEDULE: ${parsed.message}`);
  return parsed.schedule;
}

export interface JobsDeps {
  readonly config: Config;
  readonly lease: InstanceLease;
  readonly leases: LeaseStore;
  readonly sweeps: SweepStore;
  readonly invitations: InvitationStore;
  readonly signIn: SignIn;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly schedule: Schedule | undefined;
  /** What each tenant's validation in a sweep needs (the runner adds its fence). */
  readonly validation: ValidateDeps;
  readonly audit: Audit;
  readonly closers: Closers;
}

/**
 * The instance lease is renewed on a timer (other instances tell from it whether this one still
 * polls its sign-in flows). The runner lease (one instance at a time) runs the orphan sweep of
 * sign-in flows at each of its ticks, and the validation sweeps.
 */
export async function startJobs(deps: JobsDeps): Promise<{ sweepOrphans: () => Promise<number>; runner: SweepRunner }> {
  const { config, lease, signIn, closers } = deps;
  const orphans = () => sweepOrphans(deps.invitations, signIn.orphans);
  await lease.start();
  closers.push(() => lease.stop());
  closers.push(() => signIn.stop());
  const sweepDeps: SweepDeps = {
    validation: deps.validation,
    sweeps: deps.sweeps,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
    concurrency: config.validationConcurrency,
    tenantDeadlineMs: config.timings.sweepTenantDeadlineMs,
    checkpointMs: config.timings.runnerLeaseRenewMs,
  };
  const runner = new SweepRunner({
    instanceId: lease.instanceId,
    leases: deps.leases,
    sweeps: deps.sweeps,
    clock: deps.clock,
    logger: deps.logger,
    ttlMs: config.timings.runnerLeaseTtlMs,
    renewMs: config.timings.runnerLeaseRenewMs,
    schedule: deps.schedule,
    orphans,
    runSweep: (sweepId, hold) => runSweep(sweepDeps, sweepId, hold),
  });
  // Stopped first (closers run in reverse): its sweep winds down while the store is still there.
  closers.push(() => runner.stop());
  await runner.start();
  return { sweepOrphans: orphans, runner };
}
