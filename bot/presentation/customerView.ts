import { quoted } from '../../src/domain/plainText';
import { CardAttachment, renderConsentReview, renderCustomerInvitation, renderDeviceCode, renderFlowStatus } from '../../cards';
import { VERBS } from '../../cards/verbs';
import type { Invitation } from '../../src/domain/invitation';
import { adminConsentUrl, consentRedirectUri, consentStateFor } from '../../src/usecases/invitations/customerLinks';
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

const permissionsOf = (scopes: readonly string[]) => scopes.map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//, '')).join(', ');
const signInAsOf = (inv: Invitation) => (inv.variant === 'global' ? `${quoted(inv.email)} (a Global Administrator)` : `${quoted(inv.email)} (the service account)`);

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
          note: again ? 'Admin consent was granted. Sign in once more with the same account to finish.' : '',
          noteColor: 'good',
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
          signInAs: signInAsOf(inv),
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
          nextStep: 'Forward the reviewer link below. When the reviewer has approved, this page lets you sign in again. If they approved the request in the Azure portal instead, choose the button below.',
          reviewLink: link,
          reference,
          actionTitle: 'Approved in the Azure portal — continue',
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
      return status('Tenant activated', `${provider} now has delegated access to ${tenantName}. You can close this page.`, { color: 'good' });
    case 'failed': {
      const e = inv.lastError;
      const newCode = e?.nextStep === 'new-code' || e?.nextStep === 'retry';
      return status(e?.title ?? 'Sign-in did not complete', inv.failureReason === 'admin consent declined' ? 'The reviewer declined the consent request.' : 'No access was granted.', {
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

/** The reviewer's page: what is requested and by whom, and the admin consent button. */
export function reviewerScreen(inv: Invitation, reviewToken: string, s: CustomerViewSettings): CustomerScreen {
  const pending = inv.status === 'consent_pending';
  const statusText = pending ? 'Waiting for your review' : inv.consent?.status === 'granted' || inv.status === 'activated' ? 'Approved' : inv.consent?.status === 'declined' ? 'Declined' : 'No longer waiting';
  return {
    card: renderConsentReview({
      tenantName: quoted(inv.tenantName),
      providerName: quoted(s.providerName),
      appName: quoted(s.appName),
      clientId: s.clientId,
      requester: quoted(inv.email),
      signedInAs: quoted(inv.signedInAs ?? inv.email),
      permissions: permissionsOf(s.scopes),
      requestedAt: formatUtc(inv.consent?.requestedAt),
      status: statusText,
      consentUrl: adminConsentUrl({
        authorityHost: s.authorityHost,
        tenantId: inv.tenantId,
        clientId: s.clientId,
        scopes: s.scopes,
        redirectUri: consentRedirectUri(s.publicBaseUrl),
        state: consentStateFor(reviewToken),
      }),
      pending,
    }),
    pollAfterMs: pending ? 5_000 : null,
  };
}
