import { withoutDeadline } from '../../deadline';
import { quoted } from '../../domain/plainText';
import { isAdminApprovalRequired } from '../../domain/entraErrors';
import { applyEvent, effectiveStatus, FlowError, Invitation } from '../../domain/invitation';
import { sideOf } from '../../domain/signInFailures';
import type { DeviceCodeOutcome, DeviceCodePrompt, DeviceCodeSession } from '../ports';
import { activateTenant } from './activateTenant';
import type { Consent } from './consent';
import { explainFailure } from './explainFailure';
import type { FlowsInFlight } from './flowsInFlight';
import type { FlowSteps } from './flowSteps';
import type { CustomerView } from './resolveLink';
import { userCodeAad } from './sealedSecrets';
import type { SignInDeps } from './signInDeps';

const CODE_REQUEST_GRACE_MS = 60_000;

/** Starting a device-code sign-in and following it to an activated tenant, a consent request, or an explained failure. */
export interface DeviceCodeSessions {
  /**
   * Starts (or joins) the flow of an invitation the caller already authorized: by its link, or in
   * Teams by the invited admin's identity. `tokenHash` pins the link that was used, when there is
   * one. One active flow per invitation: a second click or a second browser gets the flow under way.
   */
  startFor(invitation: Invitation, tokenHash?: string): Promise<CustomerView>;
  /** Graceful shutdown: stop polling and mark our flows interrupted so the page offers Start again. */
  stop(): Promise<void>;
}

/** The poll runs in the background of the process that started it; the stored flow says who owns it. */
export function deviceCodeSessions(deps: SignInDeps, steps: FlowSteps, inFlight: FlowsInFlight, consent: Consent): DeviceCodeSessions {
  const graceMs = deps.codeRequestGraceMs ?? CODE_REQUEST_GRACE_MS;

  const flowLooksAlive = (inv: Invitation, now: Date): boolean => {
    const flow = inv.flow;
    if (!flow) return false;
    if (flow.codeExpiresAt) return Date.parse(flow.codeExpiresAt) > now.getTime();
    return now.getTime() - Date.parse(flow.startedAt) < graceMs;
  };

  async function startFlow(invitation: Invitation, flowId: string, now: Date, tokenHash: string | undefined): Promise<CustomerView> {
    const result = await deps.invitations.update<'busy' | 'not-allowed' | 'gone'>(invitation.tenantId, invitation.id, (cur) => {
      if (tokenHash !== undefined && cur.tokenHash !== tokenHash) return { ok: false, failure: 'gone' };
      const status = effectiveStatus(cur, now);
      if (status === 'expired' || status === 'revoked') return { ok: false, failure: 'gone' };
      if (cur.status === 'signing_in' && flowLooksAlive(cur, now)) return { ok: false, failure: 'busy' };
      // A flow whose code expired with no one left to report it is closed off first.
      const base = cur.status === 'signing_in' ? applyEvent(cur, 'interrupt', now, { detail: 'stale flow' }) : { ok: true as const, invitation: cur };
      if (!base.ok) return { ok: false, failure: 'not-allowed' };
      const applied = applyEvent(base.invitation, 'start_sign_in', now, { by: `customer:${cur.email}` });
      if (!applied.ok) return { ok: false, failure: 'not-allowed' };
      return {
        ok: true,
        value: { ...applied.invitation, flow: { id: flowId, ownerId: deps.lease.instanceId, startedAt: now.toISOString() }, lastError: undefined },
      };
    });
    if (!result.ok) {
      if (result.reason === 'rejected' && result.failure === 'gone') return { ok: false, reason: 'gone' };
      const current = await deps.invitations.get(invitation.tenantId, invitation.id);
      return current ? { ok: true, invitation: current } : { ok: false, reason: 'gone' };
    }
    // The poll outlives the request that started it: it must not inherit that request's deadline.
    withoutDeadline(() => launch(result.value, flowId));
    return { ok: true, invitation: result.value };
  }

  function launch(inv: Invitation, flowId: string): void {
    // Before each poll: a revoke or resend on any instance changed the stored flow, and the poll stops.
    const stillWanted = async () => {
      try {
        const cur = await deps.invitations.get(inv.tenantId, inv.id);
        return cur?.status === 'signing_in' && cur.flow?.id === flowId;
      } catch {
        return true; // The store is down: keep polling; every write after it is guarded by the flow id.
      }
    };
    const session = deps.authority.start(
      inv.tenantId,
      (prompt) => void onPrompt(inv, flowId, prompt, session).catch((error) => deps.logger.error({ event: 'flow.prompt-failed', invitationId: inv.id, err: error }, 'could not record the device code')),
      stillWanted,
    );
    const done = session.outcome
      .then((outcome) => finish(inv, flowId, outcome))
      .catch((error) => deps.logger.error({ event: 'flow.failed-unexpectedly', invitationId: inv.id, correlationId: deps.random.correlationId(), err: error }, 'sign-in flow failed'))
      .finally(() => inFlight.untrack(inv.id, flowId));
    inFlight.track(inv.id, flowId, session, done);
  }

  async function onPrompt(inv: Invitation, flowId: string, prompt: DeviceCodePrompt, session: DeviceCodeSession): Promise<void> {
    const now = deps.clock.now();
    const sealed = await deps.box.seal(prompt.userCode, userCodeAad(inv.id));
    const result = await deps.invitations.update<'stale'>(inv.tenantId, inv.id, (cur) =>
      cur.status === 'signing_in' && cur.flow?.id === flowId
        ? {
            ok: true,
            value: {
              ...cur,
              flow: { ...cur.flow, userCode: sealed, verificationUri: prompt.verificationUri, codeExpiresAt: new Date(now.getTime() + prompt.expiresInSeconds * 1000).toISOString(), intervalSeconds: prompt.intervalSeconds },
            },
          }
        : { ok: false, failure: 'stale' },
    );
    if (!result.ok) {
      session.cancel();
      return;
    }
    await steps.emit('sign_in_started', result.value);
  }

  async function finish(inv: Invitation, flowId: string, outcome: DeviceCodeOutcome): Promise<void> {
    if (!outcome.ok && outcome.cancelled) return;
    const ours = (cur: Invitation) => cur.status === 'signing_in' && cur.flow?.id === flowId;

    if (!outcome.ok) {
      const { failure } = outcome;
      const error = failure.kind === 'entra' ? failure.error : undefined;
      if (error && sideOf(failure) === 'entra' && isAdminApprovalRequired(error)) return consent.request(inv, ours, error);
      const explained = explainFailure(deps, inv, failure);
      const updated = await steps.applyIf(inv, ours, 'fail', { failureReason: explained.title, detail: explained.code }, (i) => ({ ...i, flow: undefined, lastError: explained }));
      if (updated) await steps.emit('failed', updated);
      return;
    }

    const { account } = outcome;
    if (account.tenantId !== inv.tenantId) {
      // The token is for someone else's tenant: it is dropped with the in-memory cache, never stored.
      const wrong: FlowError = {
        code: 'wrong-tenant',
        title: 'Signed in to the wrong tenant',
        cause: `The account ${quoted(account.username)} belongs to another Microsoft 365 organization than the one invited (${quoted(inv.tenantName)}).`,
        nextStep: 'use-another-account',
        nextStepText: `Start again and sign in with an administrator account of ${quoted(inv.tenantName)}.`,
      };
      const updated = await steps.applyIf(inv, ours, 'fail', { failureReason: wrong.title, detail: `signed in as ${account.username} of ${account.tenantId}` }, (i) => ({ ...i, flow: undefined, lastError: wrong, signedInAs: account.username }));
      if (updated) await steps.emit('failed', updated);
      return;
    }

    // The flow (and its owner) stays on the invitation until activation ends: a healthy owner is never taken for dead.
    const acquired = await steps.applyIf(inv, ours, 'acquire_token', { detail: `signed in as ${account.username}` }, (i) => ({ ...i, signedInAs: account.username }));
    if (!acquired) {
      // Revoked or restarted while the admin was signing in: the token is discarded.
      deps.logger.info({ event: 'flow.token-discarded', invitationId: inv.id }, 'token arrived for a flow that is no longer current; discarded');
      return;
    }
    const noted = account.username.toLowerCase() === inv.email.toLowerCase() ? undefined : `signed in as ${quoted(account.username)}, not the invited ${quoted(inv.email)}`;
    await steps.emit('token_acquired', acquired, { detail: noted });
    await activateTenant(deps, steps, acquired, flowId, outcome, noted);
  }

  return {
    async startFor(invitation, tokenHash) {
      const now = deps.clock.now();
      if (invitation.status === 'activated') return { ok: true, invitation };
      if (invitation.status === 'signing_in' && flowLooksAlive(invitation, now)) return { ok: true, invitation };
      const flowId = deps.random.shortId(12);
      return inFlight.reserving(flowId, () => startFlow(invitation, flowId, now, tokenHash));
    },

    async stop() {
      for (const invitationId of await inFlight.cancelAll()) {
        const inv = await deps.invitations.findById(invitationId);
        if (inv?.status === 'signing_in' && inv.flow?.ownerId === deps.lease.instanceId) {
          const updated = await steps.apply(inv, 'interrupt', { detail: 'the service restarted' }, (i) => ({ ...i, flow: undefined }));
          if (updated) await steps.emit('interrupted', updated);
        }
      }
    },
  };
}
