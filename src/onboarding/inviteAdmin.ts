import { DAY_MS } from '../clock';
import { newLinkToken } from '../crypto/linkToken';
import { stableId } from '../crypto/stableId';
import type { TenantRef } from '../domain/inputs';
import { effectiveStatus, Invitation, InvitationVariant, isPending } from '../domain/invitation';
import type { Actor } from '../domain/staff';
import type { CustomerTenant } from '../domain/tenant';
import { inviteLink } from './customerLinks';
import type { OnboardingDeps } from './onboardingDeps';

export interface InviteInput {
  readonly tenant: TenantRef;
  readonly email: string;
  readonly variant: InvitationVariant;
  readonly actor: Actor;
  /** Identifies the request (e.g. the Teams activity id) so a redelivery creates nothing new. */
  readonly requestKey: string;
  /** The conversation to keep informed about this invitation (the inviter's chat). */
  readonly notifyConversationId?: string;
}

export type InviteResult =
  | { ok: true; invitation: Invitation; link: string; tenant: CustomerTenant; tenantCreated: boolean }
  | { ok: false; reason: 'tenant-not-found'; tenant: TenantRef }
  | { ok: false; reason: 'directory-unavailable'; tenant: TenantRef }
  | { ok: false; reason: 'already-pending'; existing: Invitation }
  | { ok: false; reason: 'duplicate-request'; existing?: Invitation };

/**
 * Creates the customer tenant record if new, then an invitation whose link token is random
 * (256 bits) and stored only as its SHA-256 hash. One pending invitation per tenant and email.
 */
export async function inviteAdmin(deps: OnboardingDeps, input: InviteInput): Promise<InviteResult> {
  const lookup = await deps.directory.resolve(input.tenant);
  if (!lookup.ok) {
    return lookup.reason === 'not-found'
      ? { ok: false, reason: 'tenant-not-found', tenant: input.tenant }
      : { ok: false, reason: 'directory-unavailable', tenant: input.tenant };
  }
  const now = deps.clock.now();
  const id = stableId('inv-', `invite|${input.requestKey}`);
  const existing = await deps.invitations.listForTenant(lookup.tenantId);
  const same = existing.find((i) => i.id === id);
  if (same) return { ok: false, reason: 'duplicate-request', existing: same };
  // Mailboxes are case-insensitive: Admin@ and admin@ are one admin.
  const pending = existing.find((i) => i.email.toLowerCase() === input.email.toLowerCase() && isPending(effectiveStatus(i, now)));
  if (pending) return { ok: false, reason: 'already-pending', existing: pending };

  const { tenant, created } = await deps.tenants.ensure({
    id: lookup.tenantId,
    tenantId: lookup.tenantId,
    displayName: lookup.domain ?? lookup.tenantId,
    domain: lookup.domain,
    authMode: 'password',
    authStatus: 'not_configured',
    createdAt: now.toISOString(),
    createdBy: input.actor.aadObjectId,
  });
  const { token, hash } = newLinkToken(deps.random);
  const invitation: Invitation = {
    id,
    tenantId: tenant.tenantId,
    tenantName: tenant.displayName,
    email: input.email,
    variant: input.variant,
    status: 'created',
    tokenHash: hash,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.invitationTtlDays * DAY_MS).toISOString(),
    sentCount: 1,
    lastSentAt: now.toISOString(),
    invitedBy: { aadObjectId: input.actor.aadObjectId, name: input.actor.name },
    notifyConversationId: input.notifyConversationId,
    history: [{ at: now.toISOString(), event: 'create', status: 'created', by: input.actor.aadObjectId }],
  };
  if (!(await deps.invitations.create(invitation))) {
    return { ok: false, reason: 'duplicate-request', existing: await deps.invitations.get(tenant.tenantId, id) };
  }
  await deps.audit({
    actor: input.actor,
    action: 'invitation.create',
    outcome: 'ok',
    tenantId: tenant.tenantId,
    target: id,
    detail: `${input.variant} invitation for ${input.email}${created ? ' (new tenant)' : ''}`,
    requestKey: input.requestKey,
  });
  return { ok: true, invitation, link: inviteLink(deps.publicBaseUrl, token), tenant, tenantCreated: created };
}
