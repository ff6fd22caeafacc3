import { quoted } from '../../src/domain/plainText';
import type { InvitationCard, InvitationRowView, TenantRowView, TenantStatusCard, Tone, ValidationResultCard } from '../../cards';
import { effectiveStatus, Invitation, InvitationStatus, isPending } from '../../src/domain/invitation';
import type { CustomerTenant } from '../../src/domain/tenant';
import type { Onboarding, OnboardingState } from '../../src/domain/onboarding';
import type { CheckName, CheckResult, ValidationCheck, ValidationRecord } from '../../src/domain/validation';

/** Cards show UTC with the zone spelled out: staff sit in many time zones. */
export function formatUtc(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const STATUS_WORDS: Record<InvitationStatus, string> = {
  created: 'Sent',
  opened: 'Opened',
  signing_in: 'Signing in',
  consent_pending: 'Approval pending',
  consent_granted: 'Approved — sign-in again',
  token_acquired: 'Token acquired',
  activated: 'Activated',
  expired: 'Expired',
  revoked: 'Revoked',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

export function statusWords(status: InvitationStatus, failureReason?: string): string {
  return status === 'failed' && failureReason ? `Failed: ${failureReason}` : STATUS_WORDS[status];
}

export const variantWords = (v: Invitation['variant']) => (v === 'global' ? 'Global admin' : 'Delegated (service account + admin consent)');

/** Where the card is shown, and whether it asks before a revoke. */
export interface InvitationCardOptions {
  /** A channel or group chat: the customer's admin may be a member, so the card can be posted for them. */
  readonly shared?: boolean;
  readonly confirmingRevoke?: boolean;
}

export function invitationCard(inv: Invitation, now: Date, title: string, subtitle = '', link = '', options: InvitationCardOptions = {}): InvitationCard {
  const status = effectiveStatus(inv, now);
  return {
    title,
    subtitle,
    id: inv.id,
    tenant: inv.tenantName === inv.tenantId ? inv.tenantId : `${quoted(inv.tenantName)} (${inv.tenantId})`,
    email: quoted(inv.email),
    variant: variantWords(inv.variant),
    status: statusWords(status, inv.failureReason),
    createdAt: formatUtc(inv.createdAt),
    expiresAt: formatUtc(inv.expiresAt),
    sentCount: inv.sentCount,
    link,
    canChange: isPending(status) || status === 'expired',
    canPostHere: options.shared ?? false,
    confirming: options.confirmingRevoke ?? false,
  };
}

export function invitationRow(inv: Invitation, status: InvitationStatus): InvitationRowView {
  return {
    id: inv.id,
    email: quoted(inv.email),
    tenant: quoted(inv.tenantName),
    variant: inv.variant === 'global' ? 'Global' : 'Delegated',
    status: statusWords(status, inv.failureReason),
    createdAt: formatUtc(inv.createdAt),
    expiresAt: formatUtc(inv.expiresAt),
    sentCount: inv.sentCount,
  };
}

const AUTH_STATUS_WORDS: Record<CustomerTenant['authStatus'], string> = {
  not_configured: 'Not authenticated yet',
  successful: 'Successful',
  failed: 'Failed',
};

const ONBOARDING_WORDS: Record<OnboardingState, string> = {
  none: 'Not invited',
  invited: 'Invited',
  signing_in: 'Signing in',
  approval_pending: 'Approval pending',
  failed: 'Failed',
  expired: 'Invitation expired',
  revoked: 'Invitation revoked',
  completed: 'Completed',
};

/** "Failed: Signed in to the wrong tenant (2025-03-01 09:10 UTC)" — what onboarding is at, and since when. */
export function onboardingWords(o: Onboarding): string {
  if (o.state === 'none') return ONBOARDING_WORDS.none;
  const what = o.state === 'failed' && o.error ? `Failed: ${o.error.title}` : ONBOARDING_WORDS[o.state];
  return `${what} (${formatUtc(o.at)})`;
}

export function tenantRow({ tenant: t, onboarding }: { tenant: CustomerTenant; onboarding: Onboarding }): TenantRowView {
  return {
    tenantId: t.tenantId,
    name: quoted(t.displayName),
    authMode: t.authMode === 'token' ? 'Auth token' : 'User/password',
    authStatus: AUTH_STATUS_WORDS[t.authStatus],
    onboarding: onboardingWords(onboarding),
    lastValidation: t.lastValidation ? `${formatUtc(t.lastValidation.at)} (${t.lastValidation.outcome ?? (t.lastValidation.ok ? 'ok' : 'failed')})` : '—',
    tokenCreated: formatUtc(t.token?.createdAt),
    tokenExpires: formatUtc(t.token?.refreshExpiresAt),
  };
}

export function tenantStatusCard(t: CustomerTenant, onboarding: Onboarding, invitations: Invitation[], now: Date): TenantStatusCard {
  const domains = t.domains?.length ? t.domains : t.domain ? [t.domain] : [];
  return {
    ...validationHistory(t),
    ...tenantRow({ tenant: t, onboarding }),
    domains: domains.length ? quoted(domains.join(', '), 1000) : '—',
    tokenAccount: t.token ? quoted(t.token.account) : '—',
    tokenRefreshed: formatUtc(t.token?.lastRefreshedAt),
    scopes: t.token?.scopes.length ? quoted(t.token.scopes.join(', '), 1000) : '—',
    invitations: invitations.slice(0, 10).map((inv) => ({
      id: inv.id,
      email: quoted(inv.email),
      variant: inv.variant,
      status: statusWords(effectiveStatus(inv, now), inv.failureReason),
      expiresAt: formatUtc(inv.expiresAt),
    })),
  };
}

/** "Contoso's", "Woodgrove Managed Services'": the possessive of a name, quoted (it comes from configuration). */
export function possessive(name: string): string {
  return /s$/i.test(name) ? `${quoted(name)}'` : `${quoted(name)}'s`;
}

/** "a viewer", "an operator", "an admin": the article for a word, by its first letter. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

// --- Validate Authentication ------------------------------------------------------------------

const OUTCOME_WORDS: Record<ValidationRecord['outcome'], string> = { successful: 'Successful', failed: 'Failed', incomplete: 'Incomplete' };
const CHECK_NAMES: Record<CheckName, string> = { token: 'Token', tenant: 'Tenant', account: 'Account', permissions: 'Permissions', resource: 'Resource' };
const RESULT_WORDS: Record<CheckResult, { words: string; color: Tone }> = {
  passed: { words: 'Passed', color: 'good' },
  failed: { words: 'Failed', color: 'attention' },
  incomplete: { words: 'Incomplete', color: 'warning' },
  'not-run': { words: 'Not checked', color: 'default' },
};

/** "412 ms", "2.4 s". */
export function durationWords(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function checkRow(c: ValidationCheck): ValidationResultCard['checks'][number] {
  const words = RESULT_WORDS[c.result];
  const e = c.explanation;
  return {
    name: c.check === 'resource' && c.resource ? `Resource ${c.resource}` : CHECK_NAMES[c.check],
    result: words.words,
    color: words.color,
    duration: durationWords(c.durationMs),
    detail: c.detail,
    explanation: e && (c.result === 'failed' || c.result === 'incomplete') ? `${e.title} (${e.code}). ${e.cause}` : '',
  };
}

/** One other account of the cache, and what the validation did with it. */
function otherAccountWords(a: ValidationRecord['otherAccounts'][number]): string {
  return `${quoted(a.username)}: ${a.result}${a.detail ? ` — ${a.detail}` : ''}`;
}

/** The first failed check's explanation, else the first incomplete one's: what the card explains. */
function reasonOf(v: ValidationRecord): ValidationCheck | undefined {
  return v.checks.find((c) => c.result === 'failed' && c.explanation) ?? v.checks.find((c) => c.result === 'incomplete' && c.explanation);
}

/**
 * The validation result card, in the portal's words: "Last Authentication Status: Successful" or
 * "Failed"; "Validation incomplete" when Microsoft did not answer (the status stays as it was).
 */
export function validationResultCard(t: CustomerTenant, v: ValidationRecord): ValidationResultCard {
  const reason = reasonOf(v);
  const e = reason?.explanation;
  const passed = v.checks.filter((c) => c.result === 'passed').length;
  const headline = v.outcome === 'incomplete' ? 'Validation incomplete' : `Last Authentication Status: ${OUTCOME_WORDS[v.outcome]}`;
  const summary =
    v.outcome === 'successful'
      ? `All ${passed} checks passed: the saved sign-in works, and its refresh token was renewed (valid until ${formatUtc(t.token?.refreshExpiresAt)} unless used again).`
      : v.outcome === 'failed'
        ? `${e?.title ?? 'A check failed'}. ${passed} of ${v.checks.length} checks passed.`
        : `Last Authentication Status stays ${AUTH_STATUS_WORDS[t.authStatus]}: ${e?.title ?? 'a check could not finish'}.`;
  const ids = [e?.traceId ? `Trace ID ${e.traceId}` : '', e?.correlationId ? `Correlation ID ${e.correlationId}` : ''].filter(Boolean);
  return {
    headline,
    color: v.outcome === 'successful' ? 'good' : v.outcome === 'failed' ? 'attention' : 'warning',
    tenantName: t.displayName === t.tenantId ? t.tenantId : quoted(t.displayName),
    tenantId: t.tenantId,
    summary,
    pending: false,
    when: formatUtc(v.startedAt),
    duration: durationWords(v.durationMs),
    account: v.account ? quoted(v.account) : '—',
    by: quoted(v.by),
    checks: v.checks.map(checkRow),
    otherAccounts: v.otherAccounts.map((a) => ({ text: otherAccountWords(a) })),
    cause: v.outcome === 'successful' || !e ? '' : e.cause,
    nextStep: v.outcome === 'successful' || !e ? '' : e.nextStepText,
    reference: v.outcome === 'successful' || !e ? '' : [`${reason!.service === 'graph' ? 'Microsoft Graph' : 'Entra'}: ${e.code}`, ...ids].join(' · '),
    consentLink: v.outcome === 'failed' ? (e?.link ?? '') : '',
    canReinvite: v.outcome === 'failed',
    canValidateAgain: true,
  };
}

/** "Validating…": answered at once when the checks take longer than the turn may wait; replaced with the result. */
export function validatingCard(tenant: string, tenantId: string): ValidationResultCard {
  return {
    headline: 'Validating…',
    color: 'accent',
    tenantName: tenant,
    tenantId,
    summary: 'Microsoft is taking a while to answer. This card is replaced with the result when the checks finish.',
    pending: true,
    when: '',
    duration: '',
    account: '',
    by: '',
    checks: [],
    otherAccounts: [],
    cause: '',
    nextStep: '',
    reference: '',
    consentLink: '',
    canReinvite: false,
    canValidateAgain: false,
  };
}

/** The status card's history lines (the tenant's recent validations) and what the last one did with the other accounts. */
function validationHistory(t: CustomerTenant): Pick<TenantStatusCard, 'canValidate' | 'validations' | 'otherAccounts'> {
  const validations = t.recentValidations ?? [];
  const last = validations[0];
  return {
    canValidate: t.authMode === 'token' && t.token !== undefined,
    validations: validations.map((v) => ({ when: formatUtc(v.startedAt), outcome: OUTCOME_WORDS[v.outcome], summary: v.summary, duration: durationWords(v.durationMs), by: quoted(v.by) })),
    otherAccounts: last?.otherAccounts.length ? last.otherAccounts.map(otherAccountWords).join('; ') : '',
  };
}
