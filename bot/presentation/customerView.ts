import { quoted } from '../../src/domain/plainText';
import { CardAttachment, renderConsentReview, renderCustomerInvitation, renderDeviceCode, renderFlowStatus } from '../../cards';
import { VERBS } from '../../cards/verbs';
import type { Invitation } from '../../src/domain/invitation';
import { adminConsentUrl, consentRedirectUri, consentStateFor } from '../../src/usecases/invitations/customerLinks';
import { permissionLines, permissionName } from './permissionWords';
import { formatUtc } from './views';

export interface CustomerViewSettings {
  readonly providerName: string;
  readonly appName: string;
  readonly clientId: string;
  readonly authorityHost: string;
  readonly scopes: readonly string[];
  readonly publicBaseUrl: string;
}

/** What the customer's page shows now, and when to look again. */
export interface CustomerScreen {
  readonly card: CardAttachment;
  readonly pollAfterMs: number | null;
  readonly countdownTo?: string;
}

const permissionsOf = (scopes: readonly string[]) => scopes.map(permissionName).join(', ');
const signInAsOf = (inv: Invitation) => (inv.variant === 'global' ? `${quoted(inv.email)} (a Global Administrator)` : `${quoted(inv.email)} (the service account)`);
/** The same in a sentence that has its own brackets: "sign in as …, your Global Administrator account." */
const signInAsInSentence = (inv: Invitation) => (inv.variant === 'global' ? `${quoted(inv.email)}, your Global Administrator account` : `${quoted(inv.email)}, the service account`);

/** Microsoft's name for the place where admins approve apps and review or revoke their access. */
const ADMIN_CENTER = 'Microsoft Entra admin center';
const CONSENT_REQUESTS = 'Enterprise applications → Admin consent requests';

/**
 * Enterprise applications in the customer's own tenant, in the Microsoft Entra admin center.
 * Microsoft documents no link to one application by its application (client) ID: the application's
 * own page is addressed by its service principal's object id in the customer's tenant, which the
 * permissions we ask for cannot read. So the link opens the list, and the page says what to look for.
 */
export const enterpriseApplicationsUrl = (tenantId: string) =>
  `https://entra.microsoft.com/${encodeURIComponent(tenantId)}/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview`;

/**
 * What the token holds, as the page lists it. Entra never repeats offline_access in its answer's
 * scopes, but it is always asked for (deviceCodeSignIn adds it) and the stored sign-in is exactly
 * its refresh token, so it is listed: the admin center shows it among the app's permissions too.
 */
const grantedOf = (inv: Invitation, s: CustomerViewSettings) => [...(inv.grantedScopes ?? s.scopes), 'offline_access'];

/** Entra's ids for Entra's answers; for our side and Microsoft's, the reference staff find in our log. */
function referenceOf(e: Invitation['lastError']): string {
  if (!e) return '';
  if ((e.side === 'ours' || e.side === 'microsoft') && e.correlationId) return `Reference ${e.correlationId}`;
  return [e.code, e.traceId && `trace ${e.traceId}`, e.correlationId && `correlation ${e.correlationId}`].filter(Boolean).join(' · ');
}

/**
 * The invitation page's card for each state of the flow. The page and the Teams card both use it,
 * so a customer admin sees the same thing wherever they are.
 */
export function customerScreen(
  inv: Invitation,
  /** What the viewer may see or do here: the code, the reviewer link, and (in Teams) posting the review card. */
  secrets: { userCode?: string; reviewLink?: string; canPostReviewCard?: boolean },
  s: CustomerViewSettings,
  now: Date,
): CustomerScreen {
  const { userCode } = secrets;
  // Names and addresses come from outside (Graph, staff, configuration): shown as plain text.
  const tenantName = quoted(inv.tenantName);
  const provider = quoted(s.providerName);
  const app = quoted(s.appName);
  const status = (title: string, text: string, o: Partial<Parameters<typeof renderFlowStatus>[0]> = {}, pollAfterMs: number | null = null): CustomerScreen => ({
    card: renderFlowStatus({ tenantName, title, text, color: 'default', cause: '', nextStep: '', reviewLink: '', reference: '', actionTitle: '', actionVerb: '', ...o }),
    pollAfterMs,
  });
  const reference = referenceOf(inv.lastError);

  switch (inv.status) {
    case 'created':
    case 'opened':
    case 'consent_granted': {
      const again = inv.status === 'consent_granted';
      // "Approved in the admin center" is only what someone said; the callback is Entra's own answer.
      const claimed = inv.consent?.via === 'portal';
      return {
        card: renderCustomerInvitation({
          providerName: provider,
          tenantName,
          email: quoted(inv.email),
          expiresAt: formatUtc(inv.expiresAt),
          purpose: `${provider} manages your Microsoft 365 services. To do that on your behalf it needs delegated access to ${tenantName}, granted by you through Microsoft's own sign-in. You can remove it at any time in Microsoft Entra (Enterprise applications).`,
          appName: app,
          permissions: permissionsOf(s.scopes),
          signInAs: signInAsOf(inv),
          howItWorks: inv.variant === 'global'
            ? 'Start authentication shows a one-time code. You enter it at Microsoft\'s sign-in page and sign in with your Global Administrator account (with multi-factor authentication). This page then confirms that access is in place.'
            : 'Start authentication shows a one-time code. You enter it at Microsoft\'s sign-in page and sign in with the service account. If your organization requires admin approval, Microsoft lets you request it; this page then gives you a link for your Admin Consent Reviewer. After approval you sign in once more.',
          startTitle: again ? 'Sign in again' : 'Start authentication',
          note: !again
            ? ''
            : claimed
              ? `Your request was reported as approved in the ${ADMIN_CENTER}, but that is not confirmed yet. Sign in once more with the same account: that sign-in checks it. If the request is not approved yet, Microsoft asks for approval again.`
              : 'Admin consent was granted by your reviewer. Sign in once more with the same account to finish.',
          noteColor: claimed ? 'default' : 'good',
        }),
        pollAfterMs: again ? null : 15_000,
      };
    }
    case 'signing_in': {
      const flow = inv.flow;
      if (!flow?.codeExpiresAt || !userCode || !flow.verificationUri) {
        // A code normally arrives within seconds; after a minute the request is lost (e.g. a restart).
        if (!flow || now.getTime() - Date.parse(flow.startedAt) > 60_000) {
          return status('No code arrived', 'Microsoft did not send a sign-in code in time.', { color: 'warning', nextStep: 'Start again to ask for a new code.', actionTitle: 'Start again', actionVerb: VERBS.startSignIn }, 5_000);
        }
        return status('Preparing your code…', 'Asking Microsoft for a sign-in code. This takes a few seconds.', {}, 1_000);
      }
      if (Date.parse(flow.codeExpiresAt) <= now.getTime()) {
        return status('This code has expired', 'Sign-in codes are valid for 15 minutes.', { color: 'warning', actionTitle: 'New code', actionVerb: VERBS.startSignIn }, 5_000);
      }
      return {
        card: renderDeviceCode({
          tenantName,
          providerName: provider,
          appName: app,
          userCode,
          verificationUri: flow.verificationUri,
          codeExpiresAt: formatUtc(flow.codeExpiresAt),
          signInAs: signInAsInSentence(inv),
        }),
        pollAfterMs: Math.max(2_000, (flow.intervalSeconds ?? 5) * 1000),
        countdownTo: flow.codeExpiresAt,
      };
    }
    case 'consent_pending': {
      const link = secrets.reviewLink ?? '';
      return status(
        'Approval required',
        `Your organization requires an administrator to approve ${app} before it can act for ${tenantName}. Your request was recorded.`,
        {
          color: 'accent',
          nextStep: `Forward the reviewer link below. When the reviewer has approved there, this page lets you sign in again. If they approved the request in the ${ADMIN_CENTER} instead (${CONSENT_REQUESTS}), say so with the button below: your next sign-in then checks it.`,
          reviewLink: link,
          reference,
          actionTitle: `Approved in the ${ADMIN_CENTER} — continue`,
          actionVerb: VERBS.portalApproved,
          actionStyle: 'default',
          ...(secrets.canPostReviewCard ? { secondaryActionTitle: 'Post the review card here', secondaryActionVerb: VERBS.postReviewCard } : {}),
        },
        5_000,
      );
    }
    case 'token_acquired':
      return status('Signed in — activating', `Access to ${tenantName} is being set up.`, { color: 'good' }, 1_000);
    case 'activated':
      return status('Tenant activated', `${provider} now has delegated access to ${tenantName}, through the application ${app}.`, {
        color: 'good',
        listTitle: 'What was granted',
        list: permissionLines(grantedOf(inv, s)),
        details: `Microsoft lists this access as the enterprise application ${app} (Application ID ${s.clientId}). To review these permissions or revoke the access at any time, open Enterprise applications in your ${ADMIN_CENTER} (the button below), search for ${app}, and choose Permissions. You can close this page.`,
        linkTitle: `Open Enterprise applications in the ${ADMIN_CENTER}`,
        linkUrl: enterpriseApplicationsUrl(inv.tenantId),
      });
    case 'failed': {
      if (inv.failureReason === 'admin consent declined') return declinedScreen(inv, reference, { provider, app, tenantName });
      const e = inv.lastError;
      const newCode = e?.nextStep === 'new-code' || e?.nextStep === 'retry';
      return status(e?.title ?? 'Sign-in did not complete', 'No access was granted.', {
        color: 'attention',
        cause: e?.cause ?? '',
        nextStep: e?.nextStepText ?? 'Start again, or contact your provider.',
        reference,
        actionTitle: newCode ? 'New code' : 'Start again',
        actionVerb: VERBS.startSignIn,
      });
    }
    case 'interrupted':
      return status('Sign-in was interrupted', 'The service restarted while you were signing in. Nothing was granted.', { color: 'warning', nextStep: 'Start again to get a new code.', actionTitle: 'Start again', actionVerb: VERBS.startSignIn });
    case 'expired':
    case 'revoked':
      return status('This invitation is no longer valid', 'Ask your provider for a new invitation.', { color: 'attention' });
  }
}

/**
 * The reviewer said no. Entra's words for the code (the table's "choose Accept", "start again") are
 * for someone who declined their own consent screen: the service account cannot change this one.
 */
function declinedScreen(inv: Invitation, reference: string, names: { provider: string; app: string; tenantName: string }): CustomerScreen {
  const { provider, app, tenantName } = names;
  return {
    card: renderFlowStatus({
      tenantName,
      title: 'Your reviewer declined the request',
      text: `The Admin Consent Reviewer declined admin consent for ${app}, so ${provider} has no access to ${tenantName}. Nothing was granted.`,
      color: 'attention',
      cause: '',
      nextStep: `Talk to your Admin Consent Reviewer, or to ${provider} if it is unclear why the access is needed. Starting again on your own only brings the same request back. If the reviewer agrees, they approve ${app} in the ${ADMIN_CENTER} (${CONSENT_REQUESTS}); then choose Start again and sign in with the same account. Should Microsoft still ask for approval, this page gives you a new reviewer link for them.`,
      reviewLink: '',
      reference,
      actionTitle: 'Start again',
      actionVerb: VERBS.startSignIn,
      // Talking to the reviewer comes first; starting again is for after.
      actionStyle: 'default',
    }),
    pollAfterMs: null,
  };
}

type ReviewState = 'pending' | 'granted' | 'reported' | 'active' | 'declined' | 'over';

function reviewStateOf(inv: Invitation): ReviewState {
  if (inv.status === 'consent_pending') return 'pending';
  if (inv.status === 'activated') return 'active';
  if (inv.consent?.status === 'declined') return 'declined';
  if (inv.consent?.status === 'granted' && ['consent_granted', 'signing_in', 'token_acquired'].includes(inv.status)) return inv.consent.via === 'portal' ? 'reported' : 'granted';
  return 'over';
}

/**
 * The reviewer's page: what is requested and by whom, and what is left to do, by the state of the
 * request. While it waits, the admin consent button; once approved, the page follows the second
 * sign-in until access is in place.
 */
export function reviewerScreen(inv: Invitation, reviewToken: string, s: CustomerViewSettings): CustomerScreen {
  const state = reviewStateOf(inv);
  const tenantName = quoted(inv.tenantName);
  const provider = quoted(s.providerName);
  const app = quoted(s.appName);
  const requester = quoted(inv.email);
  const words: Record<ReviewState, { title: string; status: string; explanation: string }> = {
    pending: {
      title: `Admin consent requested for ${tenantName}`,
      status: 'Waiting for your review',
      explanation: `Review permissions and consent opens Microsoft Entra's admin consent page for your tenant. Sign in as a Global Administrator, Cloud Application Administrator or Application Administrator, check the permissions, and choose Accept or Cancel. If you already approved the request in the ${ADMIN_CENTER} (${CONSENT_REQUESTS}), choose Approved in the ${ADMIN_CENTER} instead: the service account's next sign-in checks it.`,
    },
    granted: {
      title: `Admin consent granted for ${tenantName}`,
      status: 'Approved',
      explanation: `Thank you: Microsoft Entra recorded your consent. ${requester} now signs in once more to finish, and this page shows when access is in place. There is nothing more for you to do.`,
    },
    reported: {
      title: `Approval reported for ${tenantName}`,
      status: 'Reported as approved, not confirmed yet',
      explanation: `This page was told that the request was approved in the ${ADMIN_CENTER}. The next sign-in of ${requester} checks it: if Microsoft still asks for approval, a new request with a new reviewer link reaches you. Nothing more to do here for now.`,
    },
    active: {
      title: `Access is in place for ${tenantName}`,
      status: 'Approved, access in place',
      explanation: `The approval worked: ${requester} signed in, and ${provider} now has delegated access to ${tenantName} through the enterprise application ${app}. To review its permissions or revoke the access later: in the ${ADMIN_CENTER}, open Enterprise applications, search for ${app}, and choose Permissions.`,
    },
    declined: {
      title: `Admin consent declined for ${tenantName}`,
      status: 'Declined',
      explanation: `The request was declined, so ${provider} has no access to ${tenantName}. If that was a mistake, approve ${app} in the ${ADMIN_CENTER} (${CONSENT_REQUESTS}) and tell ${requester}: they start again from their invitation page.`,
    },
    over: {
      title: 'This request is no longer waiting',
      status: 'No longer waiting',
      explanation: `Nothing to do here: the request was withdrawn, expired or replaced by a newer one. If ${requester} needs your approval again, they send you a new link.`,
    },
  };
  const shown = words[state];
  return {
    card: renderConsentReview({
      tenantName,
      providerName: provider,
      appName: app,
      clientId: s.clientId,
      requester,
      signedInAs: quoted(inv.signedInAs ?? inv.email),
      permissions: permissionsOf(s.scopes),
      requestedAt: formatUtc(inv.consent?.requestedAt),
      status: shown.status,
      consentUrl: adminConsentUrl({
        authorityHost: s.authorityHost,
        tenantId: inv.tenantId,
        clientId: s.clientId,
        scopes: s.scopes,
        redirectUri: consentRedirectUri(s.publicBaseUrl),
        state: consentStateFor(reviewToken),
      }),
      pending: state === 'pending',
      title: shown.title,
      explanation: shown.explanation,
      ...(state === 'active' ? { linkTitle: `Open Enterprise applications in the ${ADMIN_CENTER}`, linkUrl: enterpriseApplicationsUrl(inv.tenantId) } : {}),
    }),
    // While it waits, the reviewer's answer; once approved, the second sign-in.
    pollAfterMs: state === 'pending' ? 5_000 : state === 'granted' || state === 'reported' ? 15_000 : null,
  };
}
