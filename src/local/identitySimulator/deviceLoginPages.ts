import { SIGN_IN_OUTCOMES } from './deviceCodes';
import { formOf, RouteContext, sendHtml } from './http';
import { completeSignIn } from './signIn';
import { CodeProblem, renderEnterCode, renderPickAccount, renderSignInResult } from './signInPages';
import { configuredPermissions, SimulatorState } from './state';
import { grantScopes } from './tokenIssuer';

type Context = RouteContext<SimulatorState>;

/** GET /devicelogin — the verification_uri: where a person types the user code. */
export function showEnterCode(ctx: Context): void {
  sendHtml(ctx.response, 200, renderEnterCode());
}

/** POST /devicelogin — checks the code, then offers the accounts and the outcome switches. */
export function submitCode(ctx: Context): void {
  const { state } = ctx;
  const userCode = formOf(ctx.request).get('otc') ?? '';
  const grant = state.deviceCodes.byUserCode(userCode);
  const problem: CodeProblem | undefined = !grant
    ? 'unknown-code'
    : state.deviceCodes.isExpired(grant, state.clock.now().getTime())
      ? 'expired-code'
      : grant.signIn || grant.redeemed
        ? 'code-already-used'
        : undefined;
  if (!grant || problem) return sendHtml(ctx.response, 400, renderEnterCode(problem));
  sendHtml(
    ctx.response,
    200,
    renderPickAccount({
      grant,
      directory: state.directory,
      appDisplayName: state.settings.appDisplayName,
      permissions: grantScopes(grant.scope, (resource) => configuredPermissions(state.settings, resource)).permissions,
    }),
  );
}

/** POST /devicelogin/complete — records the sign-in; the app's next poll gets the outcome. */
export function submitSignIn(ctx: Context): void {
  const { state } = ctx;
  const form = formOf(ctx.request);
  const chosenOutcome = form.get('outcome') ?? 'success';
  const outcome = SIGN_IN_OUTCOMES.find((candidate) => candidate === chosenOutcome);
  const result = outcome
    ? completeSignIn(state, { userCode: form.get('otc') ?? '', upn: form.get('upn') ?? '', outcome })
    : ({ ok: false, reason: 'unknown-outcome' } as const);
  if (result.ok) {
    return sendHtml(
      ctx.response,
      200,
      renderSignInResult({
        outcome: result.outcome,
        accountState: result.accountState,
        user: result.user,
        tenant: result.tenant,
        authorityTenant: result.grant.authorityTenant,
        appDisplayName: state.settings.appDisplayName,
      }),
    );
  }
  if (result.reason === 'unknown-user' || result.reason === 'unknown-outcome') {
    const grant = state.deviceCodes.byUserCode(form.get('otc') ?? '');
    if (grant) {
      return sendHtml(
        ctx.response,
        400,
        renderPickAccount({
          grant,
          directory: state.directory,
          appDisplayName: state.settings.appDisplayName,
          permissions: grantScopes(grant.scope, (resource) => configuredPermissions(state.settings, resource)).permissions,
          problem: result.reason === 'unknown-user' ? 'Pick one of the listed accounts.' : 'Pick one of the listed outcomes.',
        }),
      );
    }
    return sendHtml(ctx.response, 400, renderEnterCode('unknown-code'));
  }
  sendHtml(ctx.response, 400, renderEnterCode(result.reason));
}
