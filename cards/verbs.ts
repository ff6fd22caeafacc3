/** Card action verbs: the templates, the handlers and the tests all read this one list. */
export const VERBS = {
  resendInvitation: 'invitation.resend',
  revokeInvitation: 'invitation.revoke',
  refreshInvitations: 'invitations.refresh',
  refreshTenants: 'tenants.refresh',
  showTenant: 'tenant.show',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];
export const ALL_VERBS: readonly Verb[] = Object.values(VERBS);
