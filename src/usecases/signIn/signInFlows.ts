import type { Audit } from '../audit/recordAudit';
import type { Clock } from '../../clock';
import { hashLinkToken, sha256Hex } from '../linkToken';
import { applyEvent, effectiveStatus, FlowError, Invitation, InvitationEvent } from '../../domain/invitation';
import type { DeviceCodeAuthority, DeviceCodePrompt, DeviceCodeSession, FlowControl, InstanceRegistry, InvitationStore, Notifications, OrganizationReader, Sealer, TenantStore, TokenCaches } from '../ports';
import { EntraErrorInput, explainEntraError, isAdminApprovalRequired } from '../../domain/entraErrors';
import { explainSignInFailure, sideOf, type SignInFailure } from '../../domain/signInFailures';
import type { Logger } from '../../log';
import type { Random } from '../../random';
import { consentStateFor, reviewLink } from '../invitations/customerLinks';
import { activateTenant } from './activateTenant';
import { flowSteps, type FlowSteps } from './flowSteps';
import { withoutDeadline } from '../../deadline';

export interface SignInDeps {
  readonly invitations: InvitationStore;
  readonly tenants: TenantStore;
  readonly tokenCaches: TokenCaches;
  readonly authority: DeviceCodeAuthority;
  readonly box: Sealer;
  readonly clock: Clock;
  readonly random: Random;
  readonly lease: InstanceRegistry;
  readonly notifications: Notifications;
  readonly audit: Audit;
  readonly logger: Logger;
  readonly publicBaseUrl: string;
  /** Microsoft Graph: the organization behind the token (name, verified domains). */
  readonly organizations: OrganizationReader;
  /** A code request that has not produced a code within this time is considered dead (default 60 s). */
  readonly codeRequestGraceMs?: number;
}

export type CustomerView = { ok: true; invitation: Invitation } | { ok: false; reason: 'gone' };

const CODE_REQUEST_GRACE_MS = 60_000;

export const userCodeAad = (invitationId: string) => `userCode:${invitationId}`;
const reviewTokenAad = (invitationId: string) => `reviewToken:${invitationId}`;

/**
 * The customer admin's side of an invitation: open the link, start a device-code sign-in, follow it
 * to an activated tenant or an explained failure, and the admin consent workflow in between.
 * The poll runs in the background of the process that started it; the stored flow says who owns it.
 */
export class SignInFlows implements FlowControl {
  private readonly running = new Map<string, { flowId: string; session: DeviceCodeSession; done: Promise<void> }>();
  /** Flows this process is writing the start of: between that write and `launch`, they are ours but not running yet. */
  private readonly starting = new Set<string>();

  private readonly steps: FlowSteps;

  constructor(private readonly deps: SignInDeps) {
    this.steps = flowSteps(deps);
  }

  /**
   * The invitation behind a link, if the link can still be used. A flow whose owner is gone is
   * closed off here, on the read, so the page says "interrupted — start again" as soon as the
   * owner's lease lapses instead of showing a dead code until the next sweep.
   */
  async resolve(token: string): Promise<CustomerView> {
    const view = this.usable(await this.deps.invitations.findByTokenHash(hashLinkToken(token)));
    if (!view.ok || !(await this.isOrphan(view.invitation))) return view;
    const closed = await this.closeOrphan(view.invitation);
    return closed ? { ok: true, invitation: closed } : this.usable(await this.deps.invitations.get(view.invitation.tenantId, view.invitation.id));
  }

  /** Links of an expired or revoked invitation answer exactly like unknown ones. */
  private usable(inv: Invitation | undefined): CustomerView {
    if (!inv) return { ok: false, reason: 'gone' };
    const status = effectiveStatus(inv, this.deps.clock.now());
    return status === 'expired' || status === 'revoked' ? { ok: false, reason: 'gone' } : { ok: true, invitation: inv };
  }

  /** Opening the link marks the invitation opened (once) and tells staff. */
  async open(token: string): Promise<CustomerView> {
    const view = await this.resolve(token);
    if (!view.ok || view.invitation.status !== 'created') return view;
    const outcome = await this.steps.apply(view.invitation, 'open', {});
    if (outcome) {
      await this.steps.emit('opened', outcome);
      return { ok: true, invitation: outcome };
    }
    return this.resolve(token);
  }

  /**
   * Start authentication (or New code / Start again / sign in again after approval). One active flow
   * per invitation: a second click or a second browser gets the flow already under way.
   */
  async start(token: string): Promise<CustomerView> {
    const view = await this.resolve(token);
    return view.ok ? this.startFor(view.invitation, hashLinkToken(token)) : view;
  }

  /**
   * Starts (or joins) the flow of an invitation already authorized by the caller: by its link, or in
   * Teams by the invited admin's identity. `tokenHash` pins the link that was used, when there is one.
   */
  async startFor(invitation: Invitation, tokenHash?: string): Promise<CustomerView> {
    const now = this.deps.clock.now();
    if (invitation.status === 'activated') return { ok: true, invitation };
    if (invitation.status === 'signing_in' && this.flowLooksAlive(invitation, now)) return { ok: true, invitation };

    const flowId = this.deps.random.shortId(12);
    this.starting.add(flowId);
    try {
      return await this.startFlow(invitation, flowId, now, tokenHash);
    } finally {
      this.starting.delete(flowId);
    }
  }

  private async startFlow(invitation: Invitation, flowId: string, now: Date, tokenHash: string | undefined): Promise<CustomerView> {
    const result = await this.deps.invitations.update<'busy' | 'not-allowed' | 'gone'>(invitation.tenantId, invitation.id, (cur) => {
      if (tokenHash !== undefined && cur.tokenHash !== tokenHash) return { ok: false, failure: 'gone' };
      const status = effectiveStatus(cur, now);
      if (status === 'expired' || status === 'revoked') return { ok: false, failure: 'gone' };
      if (cur.status === 'signing_in' && this.flowLooksAlive(cur, now)) return { ok: false, failure: 'busy' };
      // A flow whose code expired with no one left to report it is closed off first.
      const base = cur.status === 'signing_in' ? applyEvent(cur, 'interrupt', now, { detail: 'stale flow' }) : { ok: true as const, invitation: cur };
      if (!base.ok) return { ok: false, failure: 'not-allowed' };
      const applied = applyEvent(base.invitation, 'start_sign_in', now, { by: `customer:${cur.email}` });
      if (!applied.ok) return { ok: false, failure: 'not-allowed' };
      return {
        ok: true,
        value: { ...applied.invitation, flow: { id: flowId, ownerId: this.deps.lease.instanceId, startedAt: now.toISOString() }, lastError: undefined },
      };
    });
    if (!result.ok) {
      if (result.reason === 'rejected' && result.failure === 'gone') return { ok: false, reason: 'gone' };
      const current = await this.deps.invitations.get(invitation.tenantId, invitation.id);
      return current ? { ok: true, invitation: current } : { ok: false, reason: 'gone' };
    }
    this.launch(result.value, flowId);
    return { ok: true, invitation: result.value };
  }

  /** The reviewer link of an invitation waiting for admin consent. */
  async reviewLinkOf(inv: Invitation): Promise<string | undefined> {
    const token = await this.reviewTokenOf(inv);
    return token === undefined ? undefined : reviewLink(this.deps.publicBaseUrl, token);
  }

  /** The reviewer's token, opened from its sealed form (the reviewer card builds its consent URL from it). */
  async reviewTokenOf(inv: Invitation): Promise<string | undefined> {
    if (!inv.consent?.reviewToken) return undefined;
    try {
      return await this.deps.box.openString(inv.consent.reviewToken, reviewTokenAad(inv.id));
    } catch {
      return undefined;
    }
  }

  /** "Approved in the Azure portal — continue": the next sign-in proves it. */
  async confirmPortalApproval(inv: Invitation): Promise<Invitation | undefined> {
    const now = this.deps.clock.now();
    const updated = await this.steps.apply(inv, 'grant_consent', { by: 'reviewer', detail: 'approved in the Azure portal' }, (i) => ({
      ...i,
      consent: i.consent && { ...i.consent, status: 'granted', decidedAt: now.toISOString(), via: 'portal' },
    }));
    if (updated) await this.steps.emit('consent_granted', updated, { detail: 'The reviewer says consent was granted in the Azure portal.' });
    return updated;
  }

  /** The admin consent redirect. The state is single-use and names the invitation; Entra's `tenant` is not trusted. */
  async recordConsent(state: string, answer: { granted: boolean; error?: string; errorDescription?: string; returnedTenant?: string }): Promise<{ ok: true; invitation: Invitation } | { ok: false; reason: 'unknown-state' }> {
    const inv = await this.deps.invitations.findByConsentStateHash(sha256Hex(state));
    if (!inv || inv.status !== 'consent_pending' || inv.consent?.status !== 'pending') return { ok: false, reason: 'unknown-state' };
    if (answer.returnedTenant && answer.returnedTenant.toLowerCase() !== inv.tenantId) {
      this.deps.logger.warn({ event: 'consent.tenant-mismatch', invitationId: inv.id, tenantId: inv.tenantId }, 'consent callback named another tenant; the invitation decides');
    }
    const now = this.deps.clock.now();
    const event: InvitationEvent = answer.granted ? 'grant_consent' : 'decline_consent';
    const updated = await this.steps.apply(inv, event, { by: 'reviewer', detail: answer.granted ? 'admin consent granted' : `declined: ${answer.error ?? 'unknown'}`, failureReason: answer.granted ? undefined : 'admin consent declined' }, (i) => ({
      ...i,
      consent: i.consent && { ...i.consent, status: answer.granted ? 'granted' : 'declined', decidedAt: now.toISOString(), via: 'callback', error: answer.error },
      // Entra's description carries the AADSTS code (65004 when the reviewer cancels). Our own fallback
      // must not read as a pending request ("admin consent request" is how the table spots one).
      lastError: answer.granted ? undefined : explanationOf({ error: answer.error ?? 'access_denied', description: answer.errorDescription ?? 'The reviewer declined the request.' }),
    }));
    if (!updated) return { ok: false, reason: 'unknown-state' };
    await this.steps.emit(answer.granted ? 'consent_granted' : 'consent_declined', updated);
    return { ok: true, invitation: updated };
  }

  /** The invitation a reviewer link belongs to, while consent is still asked for. */
  async resolveReview(reviewToken: string): Promise<CustomerView> {
    return this.usable(await this.deps.invitations.findByReviewTokenHash(sha256Hex(reviewToken)));
  }

  /** The device code for the page, opened from its sealed form. */
  async userCodeOf(inv: Invitation): Promise<string | undefined> {
    if (!inv.flow?.userCode) return undefined;
    try {
      return await this.deps.box.openString(inv.flow.userCode, userCodeAad(inv.id));
    } catch {
      return undefined;
    }
  }

  /** Stops this process's poll for an invitation (revoked or resent here): the FlowControl port. */
  cancel(invitationId: string): void {
    this.running.get(invitationId)?.session.cancel();
  }

  /**
   * Recovers one flow if nobody is running it any more: signing in becomes interrupted, activating
   * becomes failed, and staff are told. True when it did (the orphan sweep in src/jobs counts them).
   */
  async recoverIfOrphaned(inv: Invitation): Promise<boolean> {
    if (!(await this.isOrphan(inv))) return false;
    return (await this.closeOrphan(inv)) !== undefined;
  }

  /**
   * Nobody is polling or activating for this flow: its owner's lease lapsed, or it is this process
   * and the session is gone (a restart with the same id). The owner keeps the flow until it ends.
   */
  private async isOrphan(inv: Invitation): Promise<boolean> {
    if (inv.status !== 'signing_in' && inv.status !== 'token_acquired') return false;
    const owner = inv.flow?.ownerId;
    if (owner === undefined) return inv.status === 'token_acquired';
    if (owner === this.deps.lease.instanceId) return !this.isOursAndLive(inv);
    return !(await this.deps.lease.isAlive(owner));
  }

  private isOursAndLive(inv: Invitation): boolean {
    const flowId = inv.flow?.id;
    return flowId !== undefined && (this.running.get(inv.id)?.flowId === flowId || this.starting.has(flowId));
  }

  private async closeOrphan(inv: Invitation): Promise<Invitation | undefined> {
    // Checked again on the fresh document at write time: our own flow may have started meanwhile.
    const stillOrphaned = (cur: Invitation) => cur.flow?.id === inv.flow?.id && cur.status === inv.status && !(cur.flow?.ownerId === this.deps.lease.instanceId && this.isOursAndLive(cur));
    const updated =
      inv.status === 'signing_in'
        ? await this.steps.applyIf(inv, stillOrphaned, 'interrupt', { detail: 'the process polling for it stopped' }, (i) => ({ ...i, flow: undefined }))
        : await this.steps.applyIf(inv, stillOrphaned, 'fail', { failureReason: 'Activation was interrupted', detail: 'the process activating it stopped' }, (i) => ({
            ...i,
            flow: undefined,
            lastError: { code: 'interrupted', title: 'Activation was interrupted', cause: 'The service restarted while your sign-in was being recorded.', nextStep: 'retry', nextStepText: 'Start again to sign in once more.' },
          }));
    if (updated) await this.steps.emit('interrupted', updated);
    return updated;
  }

  /** Graceful shutdown: stop polling and mark our flows interrupted so the page offers Start again. */
  async stop(): Promise<void> {
    const mine = [...this.running.entries()];
    for (const [, r] of mine) r.session.cancel();
    await Promise.all(mine.map(([, r]) => r.done));
    for (const [invitationId] of mine) {
      const inv = await this.deps.invitations.findById(invitationId);
      if (inv?.status === 'signing_in' && inv.flow?.ownerId === this.deps.lease.instanceId) {
        const updated = await this.steps.apply(inv, 'interrupt', { detail: 'the service restarted' }, (i) => ({ ...i, flow: undefined }));
        if (updated) await this.steps.emit('interrupted', updated);
      }
    }
  }

  private flowLooksAlive(inv: Invitation, now: Date): boolean {
    const flow = inv.flow;
    if (!flow) return false;
    if (flow.codeExpiresAt) return Date.parse(flow.codeExpiresAt) > now.getTime();
    return now.getTime() - Date.parse(flow.startedAt) < (this.deps.codeRequestGraceMs ?? CODE_REQUEST_GRACE_MS);
  }

  private launch(inv: Invitation, flowId: string): void {
    // The poll outlives the request that started it: it must not inherit that request's deadline.
    withoutDeadline(() => this.launchInBackground(inv, flowId));
  }

  private launchInBackground(inv: Invitation, flowId: string): void {
    // Before each poll: a revoke or resend on any instance changed the stored flow, and the poll stops.
    const stillWanted = async () => {
      try {
        const cur = await this.deps.invitations.get(inv.tenantId, inv.id);
        return cur?.status === 'signing_in' && cur.flow?.id === flowId;
      } catch {
        return true; // The store is down: keep polling; every write after it is guarded by the flow id.
      }
    };
    const session = this.deps.authority.start(
      inv.tenantId,
      (prompt) => void this.onPrompt(inv, flowId, prompt, session).catch((error) => this.deps.logger.error({ event: 'flow.prompt-failed', invitationId: inv.id, err: error }, 'could not record the device code')),
      stillWanted,
    );
    const done = session.outcome
      .then((outcome) => this.finish(inv, flowId, outcome))
      .catch((error) => this.deps.logger.error({ event: 'flow.failed-unexpectedly', invitationId: inv.id, correlationId: this.deps.random.correlationId(), err: error }, 'sign-in flow failed'))
      .finally(() => {
        if (this.running.get(inv.id)?.flowId === flowId) this.running.delete(inv.id);
      });
    this.running.set(inv.id, { flowId, session, done });
  }

  private async onPrompt(inv: Invitation, flowId: string, prompt: DeviceCodePrompt, session: DeviceCodeSession): Promise<void> {
    const now = this.deps.clock.now();
    const sealed = await this.deps.box.seal(prompt.userCode, userCodeAad(inv.id));
    const result = await this.deps.invitations.update<'stale'>(inv.tenantId, inv.id, (cur) =>
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
    await this.steps.emit('sign_in_started', result.value);
  }

  private async finish(inv: Invitation, flowId: string, outcome: Awaited<DeviceCodeSession['outcome']>): Promise<void> {
    if (!outcome.ok && outcome.cancelled) return;
    const ours = (cur: Invitation) => cur.status === 'signing_in' && cur.flow?.id === flowId;

    if (!outcome.ok) {
      const { failure } = outcome;
      const error = failure.kind === 'entra' ? failure.error : undefined;
      if (error && sideOf(failure) === 'entra' && isAdminApprovalRequired(error)) {
        const reviewToken = this.deps.random.token(32);
        const sealedReviewToken = await this.deps.box.seal(reviewToken, reviewTokenAad(inv.id));
        const now = this.deps.clock.now();
        const updated = await this.steps.applyIf(inv, ours, 'require_consent', { detail: error.errorCodes?.join(',') ?? error.error }, (i) => ({
          ...i,
          flow: undefined,
          lastError: explanationOf(error),
          consent: {
            stateHash: sha256Hex(consentStateFor(reviewToken)),
            reviewTokenHash: sha256Hex(reviewToken),
            reviewToken: sealedReviewToken,
            requestedAt: now.toISOString(),
            status: 'pending',
          },
        }));
        if (updated) await this.steps.emit('approval_requested', updated, { reviewLink: reviewLink(this.deps.publicBaseUrl, reviewToken) });
        return;
      }
      const explained = this.explainFailure(inv, failure);
      const updated = await this.steps.applyIf(inv, ours, 'fail', { failureReason: explained.title, detail: explained.code }, (i) => ({ ...i, flow: undefined, lastError: explained }));
      if (updated) await this.steps.emit('failed', updated);
      return;
    }

    const { account } = outcome;
    if (account.tenantId !== inv.tenantId) {
      // The token is for someone else's tenant: it is dropped with the in-memory cache, never stored.
      const wrong: FlowError = {
        code: 'wrong-tenant',
        title: 'Signed in to the wrong tenant',
        cause: `The account ${account.username} belongs to another Microsoft 365 organization than the one invited (${inv.tenantName}).`,
        nextStep: 'use-another-account',
        nextStepText: `Start again and sign in with an administrator account of ${inv.tenantName}.`,
      };
      const updated = await this.steps.applyIf(inv, ours, 'fail', { failureReason: wrong.title, detail: `signed in as ${account.username} of ${account.tenantId}` }, (i) => ({ ...i, flow: undefined, lastError: wrong, signedInAs: account.username }));
      if (updated) await this.steps.emit('failed', updated);
      return;
    }

    // The flow (and its owner) stays on the invitation until activation ends: a healthy owner is never taken for dead.
    const acquired = await this.steps.applyIf(inv, ours, 'acquire_token', { detail: `signed in as ${account.username}` }, (i) => ({ ...i, signedInAs: account.username }));
    if (!acquired) {
      // Revoked or restarted while the admin was signing in: the token is discarded.
      this.deps.logger.info({ event: 'flow.token-discarded', invitationId: inv.id }, 'token arrived for a flow that is no longer current; discarded');
      return;
    }
    const noted = account.username.toLowerCase() === inv.email.toLowerCase() ? undefined : `signed in as ${account.username}, not the invited ${inv.email}`;
    await this.steps.emit('token_acquired', acquired, { detail: noted });
    await activateTenant(this.deps, this.steps, acquired, flowId, outcome, noted);
  }

  /**
   * Our own failures get a reference that is in the log with the whole cause, so staff can find it;
   * the customer is told the service is not set up correctly, never to try again.
   */
  private explainFailure(inv: Invitation, failure: SignInFailure): FlowError {
    const e = explainSignInFailure(failure);
    const reference = e.side === 'entra' ? undefined : this.deps.random.correlationId();
    if (reference) {
      const log = e.side === 'ours' ? this.deps.logger.error.bind(this.deps.logger) : this.deps.logger.warn.bind(this.deps.logger);
      log({ event: 'flow.sign-in-failed', side: e.side, correlationId: reference, invitationId: inv.id, tenantId: inv.tenantId, code: e.code, detail: e.staffDetail }, e.side === 'ours' ? 'sign-in failed on our side' : 'Microsoft sign-in did not answer');
    }
    return {
      code: e.code,
      title: e.title,
      cause: e.cause,
      nextStep: e.nextStep,
      nextStepText: e.nextStepText,
      side: e.side,
      staffDetail: e.staffDetail,
      traceId: e.traceId,
      correlationId: reference ?? e.correlationId,
    };
  }

}

export function explanationOf(error: EntraErrorInput): FlowError {
  const e = explainEntraError(error);
  return { code: e.code, title: e.title, cause: e.cause, nextStep: e.nextStep, nextStepText: e.nextStepText, traceId: error.traceId, correlationId: error.correlationId };
}
