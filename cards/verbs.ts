/** Card action verbs: the templates, the handlers and the tests all read this one list. */
export const VERBS = {
  resendInvitation: 'invitation.resend',
  revokeInvitation: 'invitation.revoke',
  showInvitation: 'invitation.show',
  refreshInvitations: 'invitations.refresh',
  refreshTenants: 'tenants.refresh',
  showTenant: 'tenant.show',
  // Validate Authentication, and the invitation a failed validation asks for.
  validateTenant: 'tenant.validate',
  reinviteTenant: 'tenant.reinvite',
  // Customer side (invitation page, reviewer page, and the card posted in Teams).
  startSignIn: 'signin.start',
  portalApproved: 'consent.portal-approved',
  refreshFlow: 'signin.refresh',
  postReviewCard: 'consent.post-review',
  // Staff: post the customer-facing invitation card into the current conversation.
  postInvitation: 'invitation.post',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];
export const ALL_VERBS: readonly Verb[] = Object.values(VERBS);

/** Verbs answered by the customer-facing pages (and their Teams card), not by staff card actions. */
export const CUSTOMER_VERBS: readonly Verb[] = [VERBS.startSignIn, VERBS.portalApproved, VERBS.refreshFlow, VERBS.postReviewCard];
