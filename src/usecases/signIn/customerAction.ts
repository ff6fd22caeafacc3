import type { Invitation } from '../../domain/invitation';
import type { Actor } from '../../domain/staff';
import { hashLinkToken } from '../linkToken';
import type { Consent } from './consent';
import type { DeviceCodeSessions } from './deviceCodeSession';
import type { CustomerView, LinkResolver } from './resolveLink';
import type { SealedSecrets } from './sealedSecrets';

/** What the customer's buttons ask for, on the invitation page and on the card posted in Teams. */
export type CustomerVerb = 'refresh' | 'start' | 'portal-approved' | 'post-review-card';

/** Who presses: the link's holder, or a Teams member the channel adapter identified. */
export type CustomerCaller =
  /** The invitation link is the credential: its holder is the invited admin. */
  | { readonly via: 'link'; readonly token: string }
  | {
      readonly via: 'member';
      readonly invitationId: string;
      /** The person's own sign-in names the invited admin (the adapter asks the channel's roster). */
      readonly isInvitedAdmin: (inv: Invitation) => Promise<boolean>;
      /** The conversation (channel) the press came from, as the invitation records places. */
      readonly place: string;
      readonly actor: Actor;
    };

export type CustomerRefusal =
  | 'gone'
  /** Only the invited admin may start the sign-in or say consent was granted. */
  | 'invited-admin-only'
  | 'no-consent-request'
  | 'review-link-unavailable'
  /** Not the admin, not staff, not a member of a conversation the card was posted in. */
  | 'not-for-you';

export type CustomerActionResult =
  /** The invited admin's own view: the code while signing in, the reviewer link while consent is asked. */
  | { readonly ok: true; readonly show: 'admin'; readonly invitation: Invitation; readonly userCode?: string; readonly reviewLink?: string }
  /** Anyone else allowed to look: who is signing in and how far they got, never the code. */
  | { readonly ok: true; readonly show: 'progress'; readonly invitation: Invitation }
  /** The reviewer's card, for the admin to post to their reviewer. */
  | { readonly ok: true; readonly show: 'review-card'; readonly invitation: Invitation; readonly reviewToken: string }
  /** Refused; the invitation, when the caller may know it exists (to name who may act). */
  | { readonly ok: false; readonly reason: CustomerRefusal; readonly invitation?: Invitation };

export interface CustomerActionDeps {
  readonly links: LinkResolver;
  readonly sessions: DeviceCodeSessions;
  readonly consent: Consent;
  readonly secrets: SealedSecrets;
  /** Staff of the provider (viewer and up) may look at any invitation's progress. */
  readonly isStaffViewer: (actor: Actor) => Promise<boolean>;
}

export type CustomerAction = (verb: CustomerVerb, caller: CustomerCaller) => Promise<CustomerActionResult>;

const refused = (reason: CustomerRefusal): CustomerActionResult => ({ ok: false, reason });

/**
 * The customer's side of an invitation, one set of rules for every channel: who may do what, and
 * what they get to see. The adapters only translate the press and render the result.
 */
export function customerAction(deps: CustomerActionDeps): CustomerAction {
  const adminView = async (inv: Invitation): Promise<CustomerActionResult> => ({
    ok: true,
    show: 'admin',
    invitation: inv,
    userCode: await deps.secrets.userCodeOf(inv),
    reviewLink: await deps.secrets.reviewLinkOf(inv),
  });

  return async (verb, caller) => {
    const found: CustomerView = caller.via === 'link' ? await deps.links.resolve(caller.token) : await deps.links.byId(caller.invitationId);
    if (!found.ok) return refused('gone');
    let inv = found.invitation;
    const invitedAdmin = caller.via === 'link' || (await caller.isInvitedAdmin(inv));

    if (!invitedAdmin) {
      if (verb === 'start' || verb === 'portal-approved') return { ok: false, reason: 'invited-admin-only', invitation: inv };
      if (verb === 'post-review-card') return refused('no-consent-request');
      // Who was invited and how far they got is for the invited admin, the members of a conversation
      // the card was posted in, and the provider's staff: not for anyone who guesses an invitation id.
      const postedHere = caller.via === 'member' && (inv.postedIn?.includes(caller.place) ?? false);
      const allowed = postedHere || (caller.via === 'member' && (await deps.isStaffViewer(caller.actor)));
      return allowed ? { ok: true, show: 'progress', invitation: inv } : refused('not-for-you');
    }

    switch (verb) {
      case 'start': {
        const started = await deps.sessions.startFor(inv, caller.via === 'link' ? hashLinkToken(caller.token) : undefined);
        if (!started.ok) return refused('gone');
        return adminView(started.invitation);
      }
      case 'portal-approved':
        if (inv.status === 'consent_pending') inv = (await deps.consent.confirmPortalApproval(inv)) ?? inv;
        return adminView(inv);
      case 'post-review-card': {
        if (inv.status !== 'consent_pending') return refused('no-consent-request');
        const reviewToken = await deps.secrets.reviewTokenOf(inv);
        return reviewToken ? { ok: true, show: 'review-card', invitation: inv, reviewToken } : refused('review-link-unavailable');
      }
      case 'refresh':
        return adminView(inv);
    }
  };
}
