import type { Clock } from '../clock';
import type { InstanceRegistry } from '../usecases/ports';
import type { LeaseStore } from '../usecases/ports';

const leaseId = (instanceId: string) => `instance:${instanceId}`;

/**
 * Each running process holds a lease it renews; a sign-in flow whose owner's lease has lapsed has
 * no one polling for it any more. Expiry is checked in code (Cosmos TTL is only a clean-up).
 */
export class InstanceLease implements InstanceRegistry {
  private timer?: NodeJS.Timeout;

  constructor(
    readonly instanceId: string,
    private readonly leases: LeaseStore,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
    private readonly renewEveryMs = ttlMs / 3,
  ) {}

  /** `onRenew` runs after each renewal: the place for periodic checks of other instances' work. */
  async start(onRenew?: () => Promise<unknown>): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew().then(() => onRenew?.()).catch(() => undefined), this.renewEveryMs);
    this.timer.unref();
  }

  private renew(): Promise<void> {
    return this.leases.put({ id: leaseId(this.instanceId), holder: this.instanceId, expiresAt: new Date(this.clock.now().getTime() + this.ttlMs).toISOString() });
  }

  async isAlive(instanceId: string): Promise<boolean> {
    if (instanceId === this.instanceId) return true;
    const lease = await this.leases.get(leaseId(instanceId));
    return lease !== undefined && Date.parse(lease.expiresAt) > this.clock.now().getTime();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.leases.remove(leaseId(this.instanceId));
  }
}
