import type { Invitation } from '../../domain/invitation';
import type { DeviceCodeSession, FlowControl } from '../ports';

interface Running {
  readonly flowId: string;
  readonly session: DeviceCodeSession;
  readonly done: Promise<void>;
}

/**
 * The sign-ins this process is running. Only this process knows them (the poll lives in its
 * memory), so they decide whether a flow it owns is alive, and a revoke or resend here stops one.
 */
export class FlowsInFlight implements FlowControl {
  private readonly running = new Map<string, Running>();
  /** Flows this process is writing the start of: between that write and the poll, they are ours but not running yet. */
  private readonly starting = new Set<string>();

  /** Runs `work` with the flow counted as ours while it writes the flow's start. */
  async reserving<T>(flowId: string, work: () => Promise<T>): Promise<T> {
    this.starting.add(flowId);
    try {
      return await work();
    } finally {
      this.starting.delete(flowId);
    }
  }

  track(invitationId: string, flowId: string, session: DeviceCodeSession, done: Promise<void>): void {
    this.running.set(invitationId, { flowId, session, done });
  }

  untrack(invitationId: string, flowId: string): void {
    if (this.running.get(invitationId)?.flowId === flowId) this.running.delete(invitationId);
  }

  /** The flow on this invitation is one this process is polling for, or starting. */
  isLive(inv: Invitation): boolean {
    const flowId = inv.flow?.id;
    return flowId !== undefined && (this.running.get(inv.id)?.flowId === flowId || this.starting.has(flowId));
  }

  /** The FlowControl port: stops this process's poll for an invitation (revoked or resent here). */
  cancel(invitationId: string): void {
    this.running.get(invitationId)?.session.cancel();
  }

  /** Stops every poll and waits for each to end; the invitations they were for. */
  async cancelAll(): Promise<string[]> {
    const mine = [...this.running.entries()];
    for (const [, r] of mine) r.session.cancel();
    await Promise.all(mine.map(([, r]) => r.done));
    return mine.map(([invitationId]) => invitationId);
  }
}
