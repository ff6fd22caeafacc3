import type { Invitation } from '../../domain/invitation';
import type { FlowsInFlight } from './flowsInFlight';
import type { FlowSteps } from './flowSteps';
import type { SignInDeps } from './signInDeps';

/** Finds and closes flows nobody is running any more (their owner stopped or died). */
export interface OrphanRecovery {
  /** Nobody is polling or activating for this flow. */
  isOrphan(inv: Invitation): Promise<boolean>;
  /** Closes an orphan off: signing in becomes interrupted, activating becomes failed; staff are told. */
  close(inv: Invitation): Promise<Invitation | undefined>;
  /** Both, for the orphan sweep in src/jobs: true when it recovered the flow. */
  recoverIfOrphaned(inv: Invitation): Promise<boolean>;
}

export function orphanRecovery(deps: Pick<SignInDeps, 'lease'>, steps: FlowSteps, inFlight: FlowsInFlight): OrphanRecovery {
  const ownedHere = (inv: Invitation) => inv.flow?.ownerId === deps.lease.instanceId;

  const recovery: OrphanRecovery = {
    // The owner keeps the flow until it ends; this process's own flow is an orphan only if its session is gone (a restart with the same id).
    async isOrphan(inv) {
      if (inv.status !== 'signing_in' && inv.status !== 'token_acquired') return false;
      const owner = inv.flow?.ownerId;
      if (owner === undefined) return inv.status === 'token_acquired';
      if (owner === deps.lease.instanceId) return !inFlight.isLive(inv);
      return !(await deps.lease.isAlive(owner));
    },

    async close(inv) {
      // Checked again on the fresh document at write time: our own flow may have started meanwhile.
      const stillOrphaned = (cur: Invitation) => cur.flow?.id === inv.flow?.id && cur.status === inv.status && !(ownedHere(cur) && inFlight.isLive(cur));
      const updated =
        inv.status === 'signing_in'
          ? await steps.applyIf(inv, stillOrphaned, 'interrupt', { detail: 'the process polling for it stopped' }, (i) => ({ ...i, flow: undefined }))
          : await steps.applyIf(inv, stillOrphaned, 'fail', { failureReason: 'Activation was interrupted', detail: 'the process activating it stopped' }, (i) => ({
              ...i,
              flow: undefined,
              lastError: { code: 'interrupted', title: 'Activation was interrupted', cause: 'The service restarted while your sign-in was being recorded.', nextStep: 'retry', nextStepText: 'Start again to sign in once more.' },
            }));
      if (updated) await steps.emit('interrupted', updated);
      return updated;
    },

    async recoverIfOrphaned(inv) {
      if (!(await recovery.isOrphan(inv))) return false;
      return (await recovery.close(inv)) !== undefined;
    },
  };
  return recovery;
}
