import type { DeviceCodeGrant, SignInOutcome } from './deviceCodes';
import type { AccountState, SimulatedTenant, SimulatedUser, TenantDirectory } from './directory';
import { escapeHtml } from '../../domain/escapeHtml';
import { renderPage, slug } from './pageLayout';

export const CODE_PROBLEMS = {
  'unknown-code': "That code didn't work. Check the code and try again.",
  'expired-code': "The code you entered has expired. Get a new code from the device you're trying to sign in to and try again.",
  'code-already-used': "That code has already been used. Get a new code from the device you're trying to sign in to and try again.",
} as const;
export type CodeProblem = keyof typeof CODE_PROBLEMS;

const OUTCOME_LABELS: Record<SignInOutcome, string> = {
  success: 'Sign in normally',
  'mfa-required': 'Multi-factor authentication required (AADSTS50076)',
  'conditional-access-blocked': 'Blocked by Conditional Access (AADSTS53003)',
  'admin-approval-required': 'Needs admin approval: request approval (AADSTS90094)',
  declined: 'Cancel the sign-in (authorization_declined)',
};

const ROLE_LABELS = { 'global-admin': 'Global administrator', 'service-account': 'Service account' } as const;

/** What the picker says about an account an admin has switched off through the control API. */
const ACCOUNT_STATE_LABELS: Record<Exclude<AccountState, 'enabled'>, string> = {
  disabled: 'disabled: sign-in fails with AADSTS50057',
  locked: 'locked: sign-in fails with AADSTS50053',
  deleted: 'deleted: sign-in fails with AADSTS50034',
};

/** The result page for an account that is not enabled: Entra stops at the password, whatever the outcome. */
const ACCOUNT_STATE_RESULTS: Record<Exclude<AccountState, 'enabled'>, { title: string; code: number; text: string }> = {
  disabled: { title: 'Your account has been disabled', code: 50057, text: 'An administrator has disabled this account.' },
  locked: { title: 'Your account is locked', code: 50053, text: "You've tried to sign in too many times with an incorrect user ID or password." },
  deleted: { title: "This account doesn't exist", code: 50034, text: 'This account is not in the directory any more.' },
};

export function renderEnterCode(problem?: CodeProblem): string {
  const error = problem ? `<p class="error" role="alert" id="code-error">${escapeHtml(CODE_PROBLEMS[problem])}</p>` : '';
  return renderPage(
    'Enter code',
    `<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
${error}
<form method="post" action="/devicelogin">
  <label for="user-code">Code</label>
  <input type="text" id="user-code" name="otc" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus>
  <div class="buttons"><button type="submit" class="primary" id="next">Next</button></div>
</form>`,
  );
}

export interface PickAccountView {
  grant: DeviceCodeGrant;
  directory: TenantDirectory;
  appDisplayName: string;
  permissions: readonly string[];
  problem?: string;
}

/** The account picker plus the switches that decide what Entra would answer, all in one form. */
export function renderPickAccount(view: PickAccountView): string {
  const { grant } = view;
  const home = grant.authorityTenant;
  const ownAccounts = home ? home.users.map((user) => ({ user, tenant: home })) : allAccounts(view.directory);
  const stateOf = (account: { user: SimulatedUser; tenant: SimulatedTenant }) => view.directory.accountState(account.tenant.tenantId, account.user.oid);
  const otherAccounts = home
    ? allAccounts(view.directory).filter((account) => account.tenant.tenantId !== home.tenantId)
    : [];
  const target = home ? `${home.displayName} (${home.domain})` : `any organization (${grant.authoritySegment})`;
  const error = view.problem ? `<p class="error" role="alert" id="sign-in-error">${escapeHtml(view.problem)}</p>` : '';
  const outcomes = (Object.keys(OUTCOME_LABELS) as SignInOutcome[])
    .map(
      (outcome, index) =>
        `<label for="outcome-${outcome}"><input type="radio" id="outcome-${outcome}" name="outcome" value="${outcome}"${
          index === 0 ? ' checked' : ''
        }> ${escapeHtml(OUTCOME_LABELS[outcome])}</label>`,
    )
    .join('\n    ');
  return renderPage(
    'Sign in to your account',
    `<h1>Sign in</h1>
<p class="warning">Are you trying to sign in to <strong>${escapeHtml(view.appDisplayName)}</strong>? Only continue if you started this sign-in yourself.</p>
<p>Organization asked for: <strong id="target-tenant">${escapeHtml(target)}</strong><br>
Permissions: <span id="requested-permissions">${escapeHtml(view.permissions.join(', '))}</span></p>
${error}
<form method="post" action="/devicelogin/complete">
  <input type="hidden" name="otc" value="${escapeHtml(grant.userCode)}">
  <fieldset>
    <legend>Pick an account</legend>
    ${renderAccounts(ownAccounts, true, stateOf)}
  </fieldset>
  ${
    otherAccounts.length > 0
      ? `<fieldset>
    <legend>Accounts in other organizations</legend>
    ${renderAccounts(otherAccounts, false, stateOf)}
  </fieldset>`
      : ''
  }
  <fieldset>
    <legend>What happens at sign-in</legend>
    ${outcomes}
  </fieldset>
  <div class="buttons"><button type="submit" class="primary" id="sign-in">Continue</button></div>
</form>`,
  );
}

export interface SignInResultView {
  outcome: SignInOutcome;
  accountState?: AccountState;
  user: SimulatedUser;
  tenant: SimulatedTenant;
  authorityTenant?: SimulatedTenant;
  appDisplayName: string;
}

export function renderSignInResult(view: SignInResultView): string {
  const app = `<strong>${escapeHtml(view.appDisplayName)}</strong>`;
  const texts: Record<SignInOutcome, { title: string; body: string }> = {
    success: {
      title: "You're signed in",
      body: `You have signed in to the ${app} application on your device. You may now close this window.`,
    },
    'mfa-required': {
      title: 'More information required',
      body: `Your organization needs more information to keep your account secure. ${app} will be told that multi-factor authentication is required (AADSTS50076).`,
    },
    'conditional-access-blocked': {
      title: "You can't get there from here",
      body: `Your sign-in was successful but does not meet the criteria to access this resource. ${app} will be told that a Conditional Access policy blocked it (AADSTS53003).`,
    },
    'admin-approval-required': {
      title: 'Approval required',
      body: `${app} needs permission to access resources in your organization that only an admin can grant. Your request for approval has been sent to your admin. Once an admin approves it, sign in again.`,
    },
    declined: {
      title: 'Sign-in cancelled',
      body: `You cancelled signing in to ${app}. You may now close this window.`,
    },
  };
  const problem = view.accountState && view.accountState !== 'enabled' ? ACCOUNT_STATE_RESULTS[view.accountState] : undefined;
  const text = problem ? { title: problem.title, body: `${escapeHtml(problem.text)} ${app} will be told so (AADSTS${problem.code}).` } : texts[view.outcome];
  const dataOutcome = problem ? `account-${view.accountState}` : view.outcome;
  const otherOrganization =
    view.authorityTenant && view.authorityTenant.tenantId !== view.tenant.tenantId
      ? `<p class="tenant" id="other-organization">Note: ${escapeHtml(view.user.upn)} belongs to ${escapeHtml(
          view.tenant.displayName,
        )}, not to ${escapeHtml(view.authorityTenant.displayName)}.</p>`
      : '';
  return renderPage(
    text.title,
    `<section id="sign-in-result" data-outcome="${dataOutcome}">
<h1>${escapeHtml(text.title)}</h1>
<p>${text.body}</p>
<p class="tenant">Account: ${escapeHtml(view.user.displayName)} (${escapeHtml(view.user.upn)})</p>
${otherOrganization}
</section>`,
  );
}

/** The accounts people can pick: benchmark tenants (seeded by the thousand) stay off the page. */
function allAccounts(directory: TenantDirectory): { user: SimulatedUser; tenant: SimulatedTenant }[] {
  return directory.listedTenants().flatMap((tenant) => tenant.users.map((user) => ({ user, tenant })));
}

function renderAccounts(
  accounts: { user: SimulatedUser; tenant: SimulatedTenant }[],
  checkFirst: boolean,
  stateOf: (account: { user: SimulatedUser; tenant: SimulatedTenant }) => AccountState,
): string {
  return accounts
    .map(({ user, tenant }, index) => {
      const id = `account-${slug(user.upn)}`;
      const role = user.role ? `, ${ROLE_LABELS[user.role]}` : '';
      const accountState = stateOf({ user, tenant });
      const stateLabel = accountState === 'enabled' ? '' : `, ${ACCOUNT_STATE_LABELS[accountState]}`;
      return `<label for="${id}"><input type="radio" id="${id}" name="upn" value="${escapeHtml(user.upn)}"${
        checkFirst && index === 0 ? ' checked' : ''
      }> ${escapeHtml(user.displayName)} — ${escapeHtml(user.upn)} <span class="tenant">(${escapeHtml(
        tenant.displayName,
      )}${escapeHtml(role)}${escapeHtml(stateLabel)})</span></label>`;
    })
    .join('\n    ');
}
