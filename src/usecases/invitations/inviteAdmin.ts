import { DAY_MS } from '../../clock';
import { newLinkToken } from '../linkToken';
import { stableId } from '../stableId';
import type { TenantRef } from '../../domain/inputs';
import { effectiveStatus, Invitation, InvitationVariant, isPending } from '../../domain/invitation';
import type { Actor } from '../../domain/staff';
import type { CustomerTenant } from '../../domain/tenant';
import { inviteLink } from './customerLinks';
import type { Audience } from '../../domain/audience';
import type { OnboardingDeps } from './onboardingDeps';
import { createHash } from 'node:crypto';

export interface InviteInput {
  readonly tenant: TenantRef;
  readonly email: string;
  readonly variant: InvitationVariant;
  readonly actor: Actor;
  /** Identifies the request (e.g. the Teams activity id) so a redelivery creates nothing new. */
  readonly requestKey: string;
  /** The conversation to keep informed about this invitation (the inviter's chat). */
  readonly audience?: Audience;
}

export type InviteResult =
  | {
      ok: true;
      invitation: Invitation;
      link: string;
      tenant: CustomerTenant;
      tenantCreated: boolean;
      auditPending?: boolean;
      /** The tenant already had working delegated access: this sign-in would be a second one. */
      tenantWasActive: boolean;
      /** The admin's email is at a domain of this tenant: the one invited by, or a verified one seen at a sign-in. */
      emailDomainKnown: boolean;
    }
  | { ok: false; reason: 'tenant-not-found'; tenant: TenantRef }
  | { ok: false; reason: 'directory-unavailable'; tenant: TenantRef }
  | { ok: false; reason: 'already-pending'; existing: Invitation }
  /** Another invite for the same tenant and email is being written right now. */
  | { ok: false; reason: 'in-progress' }
  | { ok: false; reason: 'duplicate-request'; existing?: Invitation };

/** A claim whose invitation never appeared (its writer died) is taken over after this long. */
const CLAIM_GRACE_MS = 30_000;

/** Mailboxes are case-insensitive; the address itself is not the id (ids show up in logs and URLs). */
export const guardIdFor = (email: string) => `pending-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 40)}`;

/**
 * Creates the customer tenant record if new, then an invitation whose link token is random
 * (256 bits) and stored only as its SHA-256 hash. One pending invitation per tenant and email,
 * enforced by the store (a guard document), so concurrent invites cannot both succeed.
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
  const same = await deps.invitations.get(lookup.tenantId, id);
  if (same) {
    await auditCreation(deps, same);
    return { ok: false, reason: 'duplicate-request', existing: same };
  }
  const claim = await claimPending(deps, lookup.tenantId, input.email, id, now);
  if (!claim.ok) {
    if (claim.existing) await auditCreation(deps, claim.existing);
    return claim.existing ? { ok: false, reason: 'already-pending', existing: claim.existing } : { ok: false, reason: 'in-progress' };
  }

  const { tenant, created } = await deps.tenants.ensure({
    id: lookup.tenantId,
    tenantId: lookup.tenantId,
    displayName: lookup.domain ?? lookup.tenantId,
    domain: lookup.domain,
    // Invited for token authentication (the admin's delegated sign-in); no authentication yet.
    authMode: 'token',
    authStatus: 'not_configured',
    latestInvitationId: id,
    createdAt: now.toISOString(),
    createdBy: input.actor.aadObjectId,
  });
  // Named before the invitation exists, so `status` on any instance sees it the moment it does.
  if (!created && tenant.latestInvitationId !== id) {
    const named = await deps.tenants.update(tenant.tenantId, (t) => ({ ok: true, value: { ...t, latestInvitationId: id } }));
    if (!named.ok) throw new Error(`tenant ${tenant.tenantId} could not name its newest invitation (${named.reason})`);
  }
  // Asked before the invitation is written, so a store failure here leaves nothing half done.
  const emailDomainKnown = await isTenantDomain(deps, tenant, input, domainOf(input.email));
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
    invitedBy: { aadObjectId: input.actor.aadObjectId, name: input.actor.name, tenantId: input.actor.tenantId },
    audience: input.audience,
    history: [{ at: now.toISOString(), event: 'create', status: 'created', by: input.actor.aadObjectId }],
  };
  if (!(await deps.invitations.create(invitation))) {
    return { ok: false, reason: 'duplicate-request', existing: await deps.invitations.get(tenant.tenantId, id) };
  }
  // The invitation is committed: whatever fails now, the staff member gets the working link. The
  // audit row is keyed by the invitation, so the next time anyone touches it the row is written.
  const audited = await auditCreation(deps, invitation, created).then(
    () => true,
    () => false,
  );
  return {
    ok: true,
    invitation,
    link: inviteLink(deps.publicBaseUrl, token),
    tenant,
    tenantCreated: created,
    auditPending: !audited,
    tenantWasActive: tenant.authStatus === 'successful',
    emailDomainKnown,
  };
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/**
 * Whether a domain belongs to the tenant as far as we know: the domain it was invited by or
 * recorded with, or one of the verified domains a sign-in brought (the tenant store's domain index).
 * A miss is only a warning: the customer may use a custom domain we have not seen yet.
 */
async function isTenantDomain(deps: OnboardingDeps, tenant: CustomerTenant, input: InviteInput, domain: string): Promise<boolean> {
  if (domain === tenant.domain?.toLowerCase()) return true;
  if (input.tenant.kind === 'domain' && input.tenant.value === domain) return true;
  return (await deps.tenants.findByDomain(domain))?.tenantId === tenant.tenantId;
}

/** Idempotent: the same invitation always makes the same audit id, written once. */
function auditCreation(deps: OnboardingDeps, inv: Invitation, tenantCreated = false): Promise<void> {
  return deps.audit({
    actor: { aadObjectId: inv.invitedBy.aadObjectId, name: inv.invitedBy.name, tenantId: inv.invitedBy.tenantId ?? '' },
    action: 'invitation.create',
    outcome: 'ok',
    tenantId: inv.tenantId,
    target: inv.id,
    detail: `${inv.variant} invitation for ${inv.email}${tenantCreated ? ' (new tenant)' : ''}`,
    requestKey: inv.id,
  });
}

type Claim = { ok: true } | { ok: false; existing?: Invitation };

async function claimPending(deps: OnboardingDeps, tenantId: string, email: string, invitationId: string, now: Date): Promise<Claim> {
  const ours = { id: guardIdFor(email), tenantId, invitationId, claimedAt: now.toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.pendingGuards.read(tenantId, ours.id);
    if (!current) {
      if (await deps.pendingGuards.create(ours)) return { ok: true };
      continue;
    }
    if (current.guard.invitationId === invitationId) return { ok: true };
    const holder = await deps.invitations.get(tenantId, current.guard.invitationId);
    if (holder && isPending(effectiveStatus(holder, now))) return { ok: false, existing: holder };
    if (!holder && now.getTime() - Date.parse(current.guard.claimedAt) < CLAIM_GRACE_MS) return { ok: false };
    if (await deps.pendingGuards.replace(ours, current.etag)) return { ok: true };
  }
  return { ok: false };
}
