import { quoted } from '../../src/domain/plainText';
import type { InvitationCard, InvitationRowView, TenantRowView, TenantStatusCard } from '../../cards';
import { effectiveStatus, Invitation, InvitationStatus, isPending } from '../../src/domain/invitation';
import type { CustomerTenant } from '../../src/domain/tenant';
import type { Onboarding, OnboardingState } from '../../src/domain/onboarding';

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
    lastValidation: t.lastValidation ? `${formatUtc(t.lastValidation.at)} (${t.lastValidation.ok ? 'ok' : 'failed'})` : '—',
    tokenCreated: formatUtc(t.token?.createdAt),
    tokenExpires: formatUtc(t.token?.refreshExpiresAt),
  };
}

export function tenantStatusCard(t: CustomerTenant, onboarding: Onboarding, invitations: Invitation[], now: Date): TenantStatusCard {
  const domains = t.domains?.length ? t.domains : t.domain ? [t.domain] : [];
  return {
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

/** "a viewer", "an operator", "an admin": the article for a word, by its first letter. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}
