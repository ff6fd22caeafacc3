import { quoted } from './plainText';
/**
 * One table that turns raw Entra (Azure AD) OAuth errors into plain words with a next step.
 *
 * The same explanation is shown on the invitation page, in Adaptive Cards and in staff
 * notifications, so the texts are written for the customer's IT admin: short, no blame, and they
 * always say what to do next. Staff read the same words plus the code.
 *
 * Microsoft says never to branch on `error_description`; we only read it to recover an AADSTS code
 * when `error_codes` is missing (MSAL drops it), to spot a pending admin-consent request, and to
 * quote it for errors we do not know.
 */
import { z } from 'zod';

/** Entra's token-endpoint error body after parsing (see `parseEntraErrorBody`). */
export type EntraErrorInput = {
  error?: string;
  errorCodes?: number[];
  description?: string;
  traceId?: string;
  correlationId?: string;
};

/** What the person reading the explanation should do; cards map each one to a button. */
export type NextStep =
  | 'new-code' // start authentication again to get a fresh device code
  | 'retry' // try the same thing again (or just keep waiting)
  | 'use-another-account' // sign in with an account of the invited organization
  | 'request-approval' // ask the customer's admin consent reviewers to approve the app
  | 'wait-for-approval' // approval was requested; a reviewer has to act
  | 'contact-admin' // a customer admin has to change a setting (policy, assignment)
  | 'reinvite' // the saved sign-in is gone; the provider sends a new invitation
  | 'check-configuration' // the provider's app or tenant setup needs checking
  | 'sign-in-again'; // the same person signs in again interactively

export type EntraExplanation = {
  /** `AADSTS53003`, an OAuth error such as `expired_token`, or `unknown`. */
  code: string;
  title: string;
  cause: string;
  nextStep: NextStep;
  nextStepText: string;
  /** An admin of the customer tenant has to grant consent before sign-in can succeed. */
  needsAdminConsent: boolean;
  /** The same person trying again, with no setting changed by anyone, can succeed. */
  retryable: boolean;
};

type Entry = Omit<EntraExplanation, 'code'>;

/**
 * Where the error was met: a customer's sign-in (the customer reads the words), or a refresh of
 * the saved sign-in during validation (staff read them, about the customer's organization).
 */
export type ErrorContext = 'sign-in' | 'refresh';

/** One row of the table: the sign-in words, and what differs when a refresh meets the same code. */
type Row = Entry & { readonly atRefresh?: Partial<Entry> };

const MAX_CODE_LENGTH = 64;
const MAX_QUOTED_DESCRIPTION = 300;

// Entries shared by several keys are named so the table below stays one readable list.
const WAITING_FOR_SIGN_IN: Entry = {
  title: 'Waiting for sign-in',
  cause: 'The sign-in with the code has not been finished yet.',
  nextStep: 'retry',
  nextStepText:
    'Finish signing in on the Microsoft sign-in page with the code shown. Nothing else to do: we keep checking.',
  needsAdminConsent: false,
  retryable: true,
};

const CODE_EXPIRED: Entry = {
  title: 'The sign-in code expired',
  cause: 'Sign-in codes are valid for about 15 minutes, and this one ran out before the sign-in was finished.',
  nextStep: 'new-code',
  nextStepText: 'Start authentication again to get a new code, then enter it right away.',
  needsAdminConsent: false,
  retryable: true,
};

const CODE_NOT_RECOGNISED: Entry = {
  title: 'The sign-in code was not recognised',
  cause: 'Microsoft did not accept the code for this sign-in: it may have been mistyped, or replaced by a newer one.',
  nextStep: 'new-code',
  nextStepText: 'Start authentication again to get a new code.',
  needsAdminConsent: false,
  retryable: true,
};

const CONSENT_MISSING: Row = {
  title: 'Admin consent is needed',
  cause:
    'Your organization has not granted this app the permissions it asks for (or the grant was removed), and the account that signed in cannot grant them.',
  nextStep: 'request-approval',
  nextStepText:
    'Ask an admin who can grant consent (for example a Global Administrator or Cloud Application Administrator) to approve the app, or choose Request approval on the sign-in page if it is offered. Then sign in again.',
  needsAdminConsent: true,
  retryable: false,
  atRefresh: {
    title: 'Consent was revoked',
    cause:
      "The customer's organization no longer grants this app the permissions it uses: the consent was removed, or a permission was taken away.",
    nextStepText: "Ask the customer's admin to grant admin consent again (the consent link on this card), then validate again. Or re-invite them to sign in again.",
  },
};

const CONSENT_PENDING: Entry = {
  title: 'Waiting for admin approval',
  cause:
    "The request to approve this app went to your organization's admin consent reviewers. The app cannot be used until one of them approves it.",
  nextStep: 'wait-for-approval',
  nextStepText:
    'A reviewer approves the request in the Microsoft Entra admin center (Enterprise applications > Admin consent requests). After that, sign in again.',
  needsAdminConsent: true,
  retryable: false,
};

const SAVED_SIGN_IN_EXPIRED: Row = {
  title: 'The saved sign-in expired',
  cause:
    'The saved sign-in was not used for a long time (Microsoft expires it after 90 idle days) or it was revoked, so Microsoft no longer accepts it.',
  nextStep: 'reinvite',
  nextStepText: 'Sign in again through a new invitation from your provider.',
  needsAdminConsent: false,
  retryable: false,
  atRefresh: {
    cause: 'The saved sign-in was not used for 90 days, so Microsoft expired it and no longer issues tokens with it.',
    nextStepText: 'Re-invite the customer admin: a new sign-in replaces the saved one. Regular validation keeps a saved sign-in from going idle.',
  },
};

const SAVED_SIGN_IN_REVOKED: Partial<Entry> = {
  title: 'The saved sign-in was revoked',
  nextStep: 'reinvite',
  nextStepText: 'Re-invite the customer admin to sign in again; the new sign-in replaces the revoked one.',
  retryable: false,
};

const ACCOUNT_NOT_IN_ORGANIZATION: Row = {
  title: 'This account is not in the invited organization',
  cause: 'The account used to sign in does not belong to the organization this invitation is for.',
  nextStep: 'use-another-account',
  nextStepText: 'Start authentication again and sign in with an account of the invited organization.',
  needsAdminConsent: false,
  retryable: false,
};

const APP_SETUP_PROBLEM: Entry = {
  title: "The app's setup needs checking",
  cause: "Microsoft rejected the app itself, not the account: the provider's app registration is not set up for this kind of sign-in.",
  nextStep: 'check-configuration',
  nextStepText: 'Nothing to change on your side. Let your provider know; they need to check the app configuration.',
  needsAdminConsent: false,
  retryable: false,
};

/** Keys are AADSTS numbers (as strings) or OAuth `error` values. */
const explanations: ReadonlyMap<string, Row> = new Map<string, Row>([
  // Device code flow (RFC 8628) and Entra's own device-flow codes.
  ['authorization_pending', WAITING_FOR_SIGN_IN],
  ['70016', WAITING_FOR_SIGN_IN],
  [
    'slow_down',
    {
      ...WAITING_FOR_SIGN_IN,
      cause: 'Microsoft asked us to check less often while the sign-in is in progress.',
      nextStepText: 'Finish signing in with the code shown. Nothing else to do: we keep checking, a little more slowly.',
    },
  ],
  [
    'authorization_declined',
    {
      title: 'Sign-in was cancelled',
      cause: 'The sign-in was declined on the Microsoft sign-in page, so no access was granted.',
      nextStep: 'new-code',
      nextStepText: 'If that was not intended, start authentication again to get a new code.',
      needsAdminConsent: false,
      retryable: true,
    },
  ],
  ['expired_token', CODE_EXPIRED],
  ['70019', CODE_EXPIRED],
  ['bad_verification_code', CODE_NOT_RECOGNISED],
  ['70018', CODE_NOT_RECOGNISED],
  [
    'access_denied',
    {
      title: 'Access was denied',
      cause: 'The sign-in stopped before access was granted: it was declined, or a setting in your organization did not allow it.',
      nextStep: 'new-code',
      nextStepText:
        'Start authentication again. If it is denied again, an admin can look up the failed sign-in in the Microsoft Entra sign-in logs to see why.',
      needsAdminConsent: false,
      retryable: true,
    },
  ],

  // Consent.
  ['consent_required', CONSENT_MISSING],
  ['65001', CONSENT_MISSING],
  [
    '65004',
    {
      title: 'The permissions were declined',
      cause: 'The permissions screen was answered with Cancel, so the app was not allowed to act for this account.',
      nextStep: 'sign-in-again',
      nextStepText:
        'Start authentication again and choose Accept on the permissions screen. If you are not allowed to accept, choose Request approval or ask an admin to grant consent.',
      needsAdminConsent: false,
      retryable: true,
    },
  ],
  [
    '90094',
    {
      title: 'Admin approval is needed',
      cause: 'Your organization requires an administrator to approve this app and the permissions it asks for.',
      nextStep: 'request-approval',
      nextStepText:
        'Choose Request approval on the sign-in page to send the request to your admin consent reviewers, or ask an admin to grant consent. Then sign in again.',
      needsAdminConsent: true,
      retryable: false,
    },
  ],
  [
    '90095',
    {
      title: 'Admin approval is needed',
      cause:
        "Your organization uses the admin consent workflow: this account cannot approve the app itself and has to request approval from a reviewer.",
      nextStep: 'request-approval',
      nextStepText:
        'Choose Request approval on the sign-in page and add a short reason. A reviewer approves it in the Microsoft Entra admin center (Enterprise applications > Admin consent requests); after that, sign in again.',
      needsAdminConsent: true,
      retryable: false,
    },
  ],

  // Multi-factor authentication and credentials.
  [
    '50076',
    {
      title: 'Multi-factor authentication is needed',
      cause:
        'Your organization requires multi-factor authentication (MFA) for this account, and this sign-in finished without it.',
      nextStep: 'sign-in-again',
      nextStepText: 'Sign in again with a new code and complete the MFA prompt.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        title: 'Multi-factor authentication is now required',
        cause: "The customer's organization now requires multi-factor authentication (MFA) for this account, which the saved sign-in cannot satisfy.",
        nextStep: 'reinvite',
        nextStepText: 'Re-invite the customer admin: they sign in again and complete the MFA prompt.',
      },
    },
  ],
  [
    '50079',
    {
      title: 'MFA registration is needed',
      cause: 'Your organization requires multi-factor authentication (MFA), but this account has not registered an MFA method yet.',
      nextStep: 'sign-in-again',
      nextStepText: 'Have the account owner register a method at https://aka.ms/mysecurityinfo, then sign in again.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        title: 'MFA registration is now required',
        cause: 'The account must register a multi-factor authentication (MFA) method before Microsoft issues tokens for it again.',
        nextStep: 'reinvite',
        nextStepText: 'Ask the account owner to register a method at https://aka.ms/mysecurityinfo, then re-invite them to sign in again.',
      },
    },
  ],
  [
    '50126',
    {
      title: 'Wrong username or password',
      cause: 'Microsoft could not verify the username and password.',
      nextStep: 'retry',
      nextStepText: 'Check the username and password and try again. Repeated failures can lock the account for a while.',
      needsAdminConsent: false,
      retryable: true,
    },
  ],

  // The account.
  [
    '50105',
    {
      title: 'The account is not assigned to this app',
      cause: 'In your organization this app only allows users who are assigned to it, and this account is not assigned.',
      nextStep: 'contact-admin',
      nextStepText:
        'An admin assigns the account in the Microsoft Entra admin center (Enterprise applications > this app > Users and groups > Add user/group). Then sign in again.',
      needsAdminConsent: false,
      retryable: false,
    },
  ],
  ['50020', ACCOUNT_NOT_IN_ORGANIZATION],
  [
    '50034',
    {
      ...ACCOUNT_NOT_IN_ORGANIZATION,
      atRefresh: {
        title: 'The account no longer exists',
        cause: "The connection account was deleted from the customer's organization, so its saved sign-in is gone with it.",
        nextStep: 'reinvite',
        nextStepText: 'Re-invite the customer with another admin account.',
      },
    },
  ],
  [
    '50057',
    {
      title: 'The account is disabled',
      cause: 'The account used to sign in is disabled in your organization.',
      nextStep: 'use-another-account',
      nextStepText: 'Sign in with another admin account, or have an admin enable this one first.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        cause: "The connection account is disabled in the customer's organization, so Microsoft issues no tokens for it.",
        nextStep: 'contact-admin',
        nextStepText: "Ask the customer's admin to enable the account, then validate again; or re-invite another admin account.",
      },
    },
  ],
  [
    '50053',
    {
      title: 'The account is locked',
      cause: 'The account is locked, usually after too many failed sign-ins, or an admin blocked its sign-in.',
      nextStep: 'retry',
      nextStepText: 'Wait a few minutes and try again, or have an admin unlock the account.',
      needsAdminConsent: false,
      retryable: true,
      atRefresh: {
        cause: "The connection account is locked in the customer's organization (too many failed sign-ins, or blocked by an admin).",
        nextStepText: "Wait for the lock to lapse, or ask the customer's admin to unlock the account; then validate again.",
      },
    },
  ],

  // Conditional Access.
  [
    '53003',
    {
      title: 'Blocked by a Conditional Access policy',
      cause:
        'A Conditional Access policy in your organization blocked this sign-in. Many organizations block device code sign-in, which this invitation uses, or allow sign-in only from certain devices or locations.',
      nextStep: 'contact-admin',
      nextStepText:
        'An admin finds the policy in the Microsoft Entra sign-in logs (search for the correlation ID) and excludes this account or this app from it; for a policy that blocks device code flow, that is under Conditions > Authentication flows. Then sign in again.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        cause: "A Conditional Access policy in the customer's organization now blocks this app or this account from getting tokens.",
        nextStepText:
          "The customer's admin finds the policy in the Microsoft Entra sign-in logs (search for the correlation ID) and excludes this account or this app from it. Then validate again.",
      },
    },
  ],
  [
    '530033',
    {
      title: 'Blocked: a managed device is required',
      cause:
        'A Conditional Access policy requires a compliant or managed device. With device code sign-in the code is entered on another device than the one asking, so that requirement cannot be met and Microsoft blocks it.',
      nextStep: 'contact-admin',
      nextStepText:
        'An admin excludes this account or this app from the device requirement in that policy (the Microsoft Entra sign-in logs show which one). Then sign in again.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        cause: "A Conditional Access policy in the customer's organization now requires a compliant or managed device, which a saved sign-in used by our service cannot meet.",
        nextStepText: "The customer's admin excludes this account or this app from the device requirement (the Microsoft Entra sign-in logs show which policy). Then validate again.",
      },
    },
  ],

  // The saved sign-in (refresh token).
  ['70008', SAVED_SIGN_IN_EXPIRED],
  ['700082', SAVED_SIGN_IN_EXPIRED],
  [
    '50173',
    {
      ...SAVED_SIGN_IN_EXPIRED,
      cause: "The saved sign-in was revoked, for example after a password change or after an admin revoked the account's sessions.",
      atRefresh: {
        ...SAVED_SIGN_IN_REVOKED,
        cause: "Microsoft revoked the saved sign-in: the account's password was changed or reset, or an admin revoked its sessions.",
      },
    },
  ],
  [
    '50132',
    {
      title: 'The session is no longer valid',
      cause: "The account's session ended because its password was changed or has expired.",
      nextStep: 'sign-in-again',
      nextStepText: 'Sign in again with a new code (with the new password, if it was changed).',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        ...SAVED_SIGN_IN_REVOKED,
        cause: "Microsoft ended the saved session because the account's password was changed or has expired.",
      },
    },
  ],
  [
    '70044',
    {
      title: 'The session expired',
      cause: 'A Conditional Access sign-in frequency policy in your organization ended the session, so Microsoft asks for a new sign-in.',
      nextStep: 'sign-in-again',
      nextStepText: 'Sign in again with a new code.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        title: 'The saved session expired',
        cause: "A Conditional Access sign-in frequency policy in the customer's organization ended the saved session.",
        nextStep: 'reinvite',
        nextStepText: "Re-invite the customer admin. So it does not keep happening, their admin can exclude this account or this app from the sign-in frequency policy.",
      },
    },
  ],
  [
    '70043',
    {
      ...SAVED_SIGN_IN_EXPIRED,
      cause:
        'A Conditional Access sign-in frequency policy requires this account to sign in again after a set time, so Microsoft no longer accepts the saved sign-in.',
      nextStepText:
        'Sign in again through a new invitation from your provider. So that it does not keep happening, an admin can exclude this account from the sign-in frequency policy.',
      atRefresh: {
        cause: "A Conditional Access sign-in frequency policy in the customer's organization requires a new sign-in after a set time, so the saved sign-in no longer works.",
        nextStepText: "Re-invite the customer admin. So it does not keep happening, their admin can exclude this account or this app from the sign-in frequency policy.",
      },
    },
  ],
  [
    'invalid_grant',
    {
      title: 'The sign-in is no longer valid',
      cause:
        'Microsoft no longer accepts the saved sign-in or code, for example after a password change, revoked sessions or a policy change.',
      nextStep: 'sign-in-again',
      nextStepText: 'Sign in again. If it fails the same way, ask your provider for a new invitation.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: { nextStep: 'reinvite', nextStepText: 'Re-invite the customer admin to sign in again.' },
    },
  ],
  [
    'interaction_required',
    {
      title: 'A new sign-in is needed',
      cause: 'Microsoft needs the account to sign in again in person, for example to complete a new security check.',
      nextStep: 'sign-in-again',
      nextStepText: 'Sign in again with a new code.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: { nextStep: 'reinvite', nextStepText: 'Re-invite the customer admin to sign in again in person.' },
    },
  ],

  // The app or the tenant.
  [
    '700016',
    {
      title: 'The app was not found in your organization',
      cause:
        "Microsoft could not find this app in the organization the sign-in went to. Usually the account belongs to a different organization than the one invited, or the provider's app setup is wrong.",
      nextStep: 'check-configuration',
      nextStepText:
        'Check that you signed in with an account of the invited organization. If you did, let your provider know; they need to check the app configuration.',
      needsAdminConsent: false,
      retryable: false,
      // After a working sign-in the app cannot have been the wrong one: its enterprise application was deleted there.
      atRefresh: {
        title: "The app was deleted in the customer's organization",
        cause: "Microsoft no longer finds this app in the customer's organization: its enterprise application was deleted there, and the saved sign-in went with it.",
        nextStep: 'reinvite',
        nextStepText: 'Re-invite the customer admin: signing in again adds the app back, with their consent.',
      },
    },
  ],
  [
    '7000112',
    {
      title: 'The app is disabled in your organization',
      cause: 'An admin in your organization turned off sign-in to this app.',
      nextStep: 'contact-admin',
      nextStepText: 'An admin turns "Enabled for users to sign in" back on (Microsoft Entra admin center > Enterprise applications > this app > Properties). Then sign in again.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        title: "The app is disabled in the customer's organization",
        cause: "An admin in the customer's organization turned off sign-in to this app, so Microsoft issues no tokens for it.",
        nextStepText: 'Ask the customer\'s admin to turn "Enabled for users to sign in" back on (Enterprise applications > this app > Properties), then validate again.',
      },
    },
  ],
  [
    '90002',
    {
      title: 'The organization was not found',
      cause: 'Microsoft does not know this organization: the tenant may have been deleted, or its name is not the one used.',
      nextStep: 'contact-admin',
      nextStepText: 'Check the organization with your provider; they will send a new invitation for the right one.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        title: "The customer's organization no longer exists",
        cause: "Microsoft no longer finds the customer's tenant: it was deleted, or is being deleted.",
        nextStepText: 'Confirm with the customer. If they moved to another tenant, invite that one; this one can no longer be reached.',
      },
    },
  ],
  [
    '500011',
    {
      title: 'A required service is not set up in your organization',
      cause:
        "The Microsoft service this app needs to reach was not found in your organization's directory. That happens when the service is not enabled there, or the sign-in went to a different organization.",
      nextStep: 'check-configuration',
      nextStepText:
        'Check that you signed in to the invited organization and that it has the Microsoft 365 service in question. If so, let your provider know so they can check the configuration.',
      needsAdminConsent: false,
      retryable: false,
      atRefresh: {
        title: 'A required service is missing in the organization',
        cause: "The customer's organization has no service principal for this resource: the service is not set up there.",
        nextStepText: 'Check with the customer that the service (for example Teams Phone) is set up in their organization, or remove the resource from VALIDATION_RESOURCES.',
      },
    },
  ],
  ['7000218', APP_SETUP_PROBLEM],
  ['invalid_client', APP_SETUP_PROBLEM],
  ['unauthorized_client', APP_SETUP_PROBLEM],
  [
    'temporarily_unavailable',
    {
      title: 'Microsoft sign-in is busy',
      cause: 'The Microsoft sign-in service could not handle the request right now.',
      nextStep: 'retry',
      nextStepText: 'Wait a minute and try again.',
      needsAdminConsent: false,
      retryable: true,
    },
  ],
]);

// After a user sends an admin-consent-workflow request, the flow ends as `access_denied`; only the
// description tells that apart from a plain refusal.
const ADMIN_APPROVAL_MENTION =
  /admin(?:istrator)?(?:'s|’s)?\s+(?:approval|consent)|approval\s+(?:is\s+)?(?:required|requested|pending)|consent\s+request/i;

/**
 * Explains an Entra error for people. Never throws, whatever it is given. `context` picks the
 * words: a customer's sign-in (the default), or a refresh of the saved sign-in during validation.
 */
export function explainEntraError(input: EntraErrorInput, context: ErrorContext = 'sign-in'): EntraExplanation {
  try {
    return explain(readInput(input), context);
  } catch {
    // Only reachable through exotic inputs (throwing getters, proxies); the page must still render.
    return { code: 'unknown', ...unknownEntry('unknown', undefined, context) };
  }
}

/** True when sign-in stopped because an admin has to approve the app ("consent pending"). */
export function isAdminApprovalRequired(input: EntraErrorInput): boolean {
  return explainEntraError(input).needsAdminConsent;
}

type ReadInput = { error?: string; codes: number[]; description?: string };

/** The row's words for the context (a row's own `atRefresh` never reaches the explanation). */
function wordsOf(row: Row, context: ErrorContext): Entry {
  const { atRefresh, ...entry } = row;
  return context === 'refresh' && atRefresh ? { ...entry, ...atRefresh } : entry;
}

function explain({ error, codes, description }: ReadInput, context: ErrorContext): EntraExplanation {
  const knownCode = codes.find((code) => explanations.has(String(code)));
  if (knownCode !== undefined) {
    return { code: `AADSTS${knownCode}`, ...wordsOf(explanations.get(String(knownCode))!, context) };
  }
  const code = codes.length > 0 ? `AADSTS${codes[0]}` : (error ?? 'unknown');
  if (error === 'access_denied' && description !== undefined && ADMIN_APPROVAL_MENTION.test(description)) {
    return { code, ...CONSENT_PENDING };
  }
  const byError = error === undefined ? undefined : explanations.get(error);
  if (byError) return { code, ...wordsOf(byError, context) };
  return { code, ...unknownEntry(code, description, context) };
}

function unknownEntry(code: string, description: string | undefined, context: ErrorContext = 'sign-in'): Entry {
  const said = description === undefined ? '' : quotableDescription(description);
  return {
    title: context === 'refresh' ? 'Microsoft refused the saved sign-in' : 'Sign-in did not complete',
    cause: said ? `Microsoft answered ${code}: ${quoted(said)}` : `Microsoft answered ${code}.`,
    nextStep: 'retry',
    nextStepText: 'Try again. If it fails the same way, send the error code and correlation ID to your provider.',
    needsAdminConsent: false,
    retryable: true,
  };
}

/** Reads an input defensively: callers may hand over anything that came off the wire. */
function readInput(input: unknown): ReadInput {
  if (typeof input !== 'object' || input === null) return { codes: [] };
  const raw = input as Record<string, unknown>;
  const error = typeof raw.error === 'string' ? sanitizeErrorString(raw.error) : undefined;
  const description = typeof raw.description === 'string' ? raw.description : undefined;
  const listed = Array.isArray(raw.errorCodes) ? raw.errorCodes.filter(isAadstsNumber) : [];
  const codes = listed.length > 0 ? listed : codesInDescription(description);
  return { error, codes, description };
}

function isAadstsNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function codesInDescription(description: string | undefined): number[] {
  if (description === undefined) return [];
  return [...description.slice(0, 10_000).matchAll(/AADSTS(\d{1,9})/g)]
    .map((match) => Number(match[1]))
    .filter(isAadstsNumber);
}

/** OAuth error strings are ASCII words; anything else is cut down before it reaches a card. */
function sanitizeErrorString(error: string): string | undefined {
  const cleaned = error.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, MAX_CODE_LENGTH);
  return cleaned === '' ? undefined : cleaned;
}

/** First line of Microsoft's description without the code prefix and the trace lines. */
function quotableDescription(description: string): string {
  const firstLine = description.split(/\r?\n/)[0] ?? '';
  const text = firstLine
    .replace(/^\s*AADSTS\d+\s*:\s*/, '')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_QUOTED_DESCRIPTION ? `${text.slice(0, MAX_QUOTED_DESCRIPTION - 1)}…` : text;
}

// --- The wire format -------------------------------------------------------------------------

const MAX_DESCRIPTION_LENGTH = 4_000;
const optionalText = (max: number) =>
  z
    .string()
    .nullish()
    .transform((value) => (value == null ? undefined : value.slice(0, max)));

/** Entra's token-endpoint error body as it arrives (RFC 6749 §5.2 plus Entra's extra fields). */
const entraErrorBodySchema = z.object({
  error: z.string().min(1).max(256),
  error_description: optionalText(MAX_DESCRIPTION_LENGTH),
  error_codes: z.array(z.number().int().nonnegative()).max(50).nullish(),
  trace_id: optionalText(128),
  correlation_id: optionalText(128),
});

/**
 * Validates an Entra error body at the edge. Takes the parsed JSON (or its text) and returns
 * undefined for anything that is not an OAuth error body; never throws.
 */
export function parseEntraErrorBody(body: unknown): EntraErrorInput | undefined {
  try {
    const json = typeof body === 'string' ? parseJson(body) : body;
    const parsed = entraErrorBodySchema.safeParse(json);
    if (!parsed.success) return undefined;
    const { error, error_description, error_codes, trace_id, correlation_id } = parsed.data;
    return {
      error,
      ...(error_codes != null && { errorCodes: error_codes }),
      ...(error_description !== undefined && { description: error_description }),
      ...(trace_id !== undefined && { traceId: trace_id }),
      ...(correlation_id !== undefined && { correlationId: correlation_id }),
    };
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
