import type { Clock } from '../../src/clock';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import type { InvitationStore, LeaseStore } from '../../src/usecases/ports';
import { sweepOrphans } from '../../src/jobs/orphanSweep';
import { InstanceLease } from '../../src/jobs/instanceLease';
import type { SignIn } from '../../src/usecases/signIn/signIn';
import type { Closers } from './closers';

export function composeLease(config: Config, leases: LeaseStore, clock: Clock, instanceId: string): InstanceLease {
  return new InstanceLease(instanceId, leases, clock, config.timings.leaseTtlMs, config.timings.leaseRenewMs);
}

/** The lease is renewed on a timer; each renewal also sweeps for flows whose owner died since. */
export async function startJobs(lease: InstanceLease, invitations: InvitationStore, signIn: SignIn, logger: Logger, closers: Closers): Promise<() => Promise<number>> {
  const sweep = () => sweepOrphans(invitations, signIn.orphans);
  await lease.start(sweep);
  closers.push(() => lease.stop());
  closers.push(() => signIn.stop());
  const interrupted = await sweep();
  if (interrupted > 0) logger.warn({ event: 'flows.interrupted', count: interrupted }, 'sign-in flows left by a stopped process are now interrupted');
  return sweep;
}
