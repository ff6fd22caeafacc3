import { DAY_MS } from '../../clock';
import type { FlowError, Invitation } from '../../domain/invitation';
import type { DeviceCodeOutcome } from '../ports';
import type { FlowSteps } from './flowSteps';
import type { SignInDeps } from './signInDeps';

const REFRESH_TOKEN_LIFETIME_MS = 90 * DAY_MS;

/**
 * Stores the token and activates the tenant, unless the invitation was revoked or replaced in the
 * meantime: it is re-read before each write, and the final write (the invitation's `activate`) is
 * conditional on it. Losing the race at any point undoes what was written, so a revoked invitation
 * never leaves a stored token or an active tenant.
 */
export async function activateTenant(
  deps: SignInDeps,
  steps: FlowSteps,
  acquired: Invitation,
  flowId: string,
  outcome: Extract<DeviceCodeOutcome, { ok: true }>,
  noted: string | undefined,
): Promise<void> {
  const { account } = outcome;
  const tenantId = acquired.tenantId;
  const activating = (cur: Invitation) => cur.status === 'token_acquired' && cur.flow?.id === flowId;
  const stillActivating = async () => {
    const cur = await deps.invitations.get(tenantId, acquired.id);
    return cur !== undefined && activating(cur);
  };
  const undo: (() => Promise<void>)[] = [];
  const abandon = async (step: string) => {
    for (const step of undo.reverse()) await step();
    deps.logger.info({ event: 'flow.activation-abandoned', invitationId: acquired.id, tenantId, step }, 'the invitation was revoked or replaced during activation; nothing it wrote is kept');
  };
  try {
    // Graph confirms whose organization the token reaches and gives its real name and domains.
    // A Graph failure does not undo a good sign-in: the name stays as it was and validation retries later.
    const org = await deps.organizations.read(outcome.accessToken);
    if (org.ok && org.organization.id !== tenantId) {
      deps.logger.warn({ event: 'flow.graph-tenant-mismatch', invitationId: acquired.id, tenantId }, 'Graph answered for another organization');
    }
    const organization = org.ok && org.organization.id === tenantId ? org.organization : undefined;

    if (!(await stillActivating())) return abandon('before storing the token');
    undo.push(await deps.tokenCaches.merge(tenantId, outcome.serializedCache));

    if (!(await stillActivating())) return abandon('before updating the tenant');
    for (const domain of organization?.domains ?? []) await deps.tenants.addDomain(domain, tenantId);
    const now = deps.clock.now();
    const token = {
      account: account.username,
      createdAt: now.toISOString(),
      lastRefreshedAt: now.toISOString(),
      refreshExpiresAt: new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS).toISOString(),
      scopes: outcome.scopes,
    };
    const tenantUpdate = await deps.tenants.update(tenantId, (t) => ({
      ok: true,
      value: {
        ...t,
        displayName: organization?.displayName ?? t.displayName,
        domain: t.domain ?? organization?.domains[0],
        domains: organization?.domains.length ? [...organization.domains] : t.domains,
        authMode: 'token',
        authStatus: 'successful',
        token,
        lastValidation: { at: now.toISOString(), ok: true, detail: organization ? 'token acquired; Graph organization check passed' : `token acquired; Graph organization check not done (${org.ok ? 'another organization' : org.reason})` },
      },
    }));
    if (!tenantUpdate.ok) throw new Error(`tenant ${tenantId} could not be updated (${tenantUpdate.reason})`);
    const previous = tenantUpdate.previous;
    // Put back what this activation replaced, unless a later writer (another activation) has moved on.
    undo.push(async () => {
      await deps.tenants.update<'moved-on'>(tenantId, (t) =>
        t.token?.createdAt === token.createdAt && t.token.account === token.account
          ? { ok: true, value: { ...t, authMode: previous.authMode, authStatus: previous.authStatus, token: previous.token, lastValidation: previous.lastValidation } }
          : { ok: false, failure: 'moved-on' },
      );
    });

    const activated = await steps.applyIf(acquired, activating, 'activate', { detail: 'tenant activated' }, (i) => ({ ...i, flow: undefined, grantedScopes: [...outcome.scopes] }));
    if (!activated) return abandon('activating the invitation');
    await steps.emit('activated', activated, { detail: noted });
  } catch (error) {
    // The token is good but activation could not be recorded: say so instead of "activating" forever.
    const correlationId = deps.random.correlationId();
    deps.logger.error({ event: 'flow.activation-failed', correlationId, invitationId: acquired.id, err: error }, 'could not finish activation');
    await abandon('after an error').catch((undoError) => deps.logger.error({ event: 'flow.activation-undo-failed', correlationId, invitationId: acquired.id, err: undoError }, 'could not undo a failed activation'));
    const failure: FlowError = {
      code: 'activation-failed',
      title: 'Signed in, but activation could not be finished',
      cause: 'Your sign-in worked, but we could not record it on our side.',
      nextStep: 'retry',
      nextStepText: 'Start again in a minute. If it keeps happening, give your provider this reference: ' + correlationId + '.',
      side: 'ours',
      staffDetail: `activation could not be recorded (see the log for ${correlationId})`,
      correlationId,
    };
    const failed = await steps.applyIf(acquired, activating, 'fail', { failureReason: failure.title, detail: correlationId }, (i) => ({ ...i, flow: undefined, lastError: failure })).catch(() => undefined);
    if (failed) await steps.emit('failed', failed);
  }
}
