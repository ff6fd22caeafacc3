import type { Clock } from '../../src/clock';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import type { LeaseStore } from '../../src/usecases/ports';
import { InstanceLease } from '../../src/jobs/instanceLease';
import type { SignInFlows } from '../../src/usecases/signIn/signInFlows';
import type { Closers } from './closers';

export function composeLease(config: Config, leases: LeaseStore, clock: Clock, instanceId: string): InstanceLease {
  return new InstanceLease(instanceId, leases, clock, config.timings.leaseTtlMs, config.timings.leaseRenewMs);
}

/** The lease is renewed on a timer; each renewal also looks for flows whose owner died since. */
export async function startJobs(lease: InstanceLease, flows: SignInFlows, logger: Logger, closers: Closers): Promise<void> {
  await lease.start(() => flows.interruptOrphans());
  closers.push(() => lease.stop());
  closers.push(() => flows.stop());
  const interrupted = await flows.interruptOrphans();
  if (interrupted > 0) logger.warn({ event: 'flows.interrupted', count: interrupted }, 'sign-in flows left by a stopped process are now interrupted');
}
