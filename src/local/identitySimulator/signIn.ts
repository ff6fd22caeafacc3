import { CompletedSignIn, DeviceCodeGrant, SignInOutcome, codeRef } from './deviceCodes';
import type { AccountState, SimulatedTenant, SimulatedUser } from './directory';
import type { SimulatorState } from './state';

export interface SignInRequest {
  userCode: string;
  upn: string;
  outcome?: SignInOutcome;
}

export type SignInResult =
  | { ok: true; outcome: SignInOutcome; grant: DeviceCodeGrant; user: SimulatedUser; tenant: SimulatedTenant; accountState: AccountState }
  | { ok: false; reason: 'unknown-code' | 'expired-code' | 'code-already-used' | 'unknown-user' };

/**
 * What happens when a person finishes the sign-in page: the pending device code gets its outcome and the next
 * poll answers with it. A plain "success" by someone who may not consent alone, in a tenant that has not yet
 * consented to the client, becomes "admin approval required" (they ask for approval, as in Entra's admin
 * consent workflow); once an admin has consented, the same sign-in succeeds. An account that is disabled, locked
 * or deleted gets no further than the password: whatever outcome was picked, the app's next poll is refused with
 * the account's code (AADSTS50057, 50053, 50034), which Entra shows on its page and the simulator also sends to
 * the polling app so the app can explain it.
 */
export function completeSignIn(state: SimulatorState, request: SignInRequest): SignInResult {
  const nowMs = state.clock.now().getTime();
  const grant = state.deviceCodes.byUserCode(request.userCode);
  if (!grant) return { ok: false, reason: 'unknown-code' };
  if (state.deviceCodes.isExpired(grant, nowMs)) return { ok: false, reason: 'expired-code' };
  if (grant.signIn || grant.redeemed) return { ok: false, reason: 'code-already-used' };
  const account = state.directory.userByUpn(request.upn);
  // A deleted tenant's accounts are gone with it.
  if (!account || !state.directory.tenantById(account.tenant.tenantId)) return { ok: false, reason: 'unknown-user' };
  const accountState = state.directory.accountState(account.tenant.tenantId, account.user.oid);

  const chosen = request.outcome ?? 'success';
  const outcome: SignInOutcome =
    accountState !== 'enabled'
      ? 'success'
      : chosen === 'success' && needsAdminApproval(state, account.tenant, account.user, grant.clientId)
        ? 'admin-approval-required'
        : chosen;
  const signIn: CompletedSignIn = { user: account.user, tenant: account.tenant, outcome };
  grant.signIn = signIn;
  state.logger.info(
    {
      event: 'identity-simulator.sign-in',
      codeRef: codeRef(grant.userCode),
      tenantId: account.tenant.tenantId,
      authorityTenant: grant.authoritySegment,
      outcome,
      accountState,
    },
    'simulated sign-in finished',
  );
  return { ok: true, outcome, grant, user: account.user, tenant: account.tenant, accountState };
}

export function needsAdminApproval(
  state: SimulatorState,
  tenant: SimulatedTenant,
  user: SimulatedUser,
  clientId: string,
): boolean {
  if (tenant.adminConsentRequired === false) return false;
  if (user.role === 'global-admin') return false;
  return !state.consents.has(tenant.tenantId, clientId);
}
