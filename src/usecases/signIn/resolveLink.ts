import { effectiveStatus, Invitation } from '../../domain/invitation';
import { hashLinkToken, sha256Hex } from '../linkToken';
import type { FlowSteps } from './flowSteps';
import type { OrphanRecovery } from './orphans';
import type { SignInDeps } from './signInDeps';

export type CustomerView = { ok: true; invitation: Invitation } | { ok: false; reason: 'gone' };

/** The invitation behind a customer's credential: the invitation link, the reviewer link, or an id the caller vouches for. */
export interface LinkResolver {
  /** The invitation behind a link, if the link can still be used. */
  resolve(token: string): Promise<CustomerView>;
  /** The same, and opening the link marks the invitation opened (once) and tells staff. */
  open(token: string): Promise<CustomerView>;
  /** The invitation a reviewer link belongs to. */
  resolveReview(reviewToken: string): Promise<CustomerView>;
  /** By id, for a caller that identified the invited admin itself (Teams); the same checks as a link. */
  byId(invitationId: string): Promise<CustomerView>;
}

export function linkResolver(deps: Pick<SignInDeps, 'invitations' | 'clock'>, steps: FlowSteps, orphans: OrphanRecovery): LinkResolver {
  /** Links of an expired or revoked invitation answer exactly like unknown ones. */
  const usable = (inv: Invitation | undefined): CustomerView => {
    if (!inv) return { ok: false, reason: 'gone' };
    const status = effectiveStatus(inv, deps.clock.now());
    return status === 'expired' || status === 'revoked' ? { ok: false, reason: 'gone' } : { ok: true, invitation: inv };
  };

  /**
   * A flow whose owner is gone is closed off here, on the read, so the page says "interrupted —
   * start again" as soon as the owner's lease lapses instead of showing a dead code until the next sweep.
   */
  const closingOrphans = async (view: CustomerView): Promise<CustomerView> => {
    if (!view.ok || !(await orphans.isOrphan(view.invitation))) return view;
    const closed = await orphans.close(view.invitation);
    return closed ? { ok: true, invitation: closed } : usable(await deps.invitations.get(view.invitation.tenantId, view.invitation.id));
  };

  const resolver: LinkResolver = {
    resolve: async (token) => closingOrphans(usable(await deps.invitations.findByTokenHash(hashLinkToken(token)))),
    byId: async (invitationId) => closingOrphans(usable(await deps.invitations.findById(invitationId))),
    resolveReview: async (reviewToken) => usable(await deps.invitations.findByReviewTokenHash(sha256Hex(reviewToken))),

    async open(token) {
      const view = await resolver.resolve(token);
      if (!view.ok || view.invitation.status !== 'created') return view;
      const outcome = await steps.apply(view.invitation, 'open', {});
      if (outcome) {
        await steps.emit('opened', outcome);
        return { ok: true, invitation: outcome };
      }
      return resolver.resolve(token);
    },
  };
  return resolver;
}
