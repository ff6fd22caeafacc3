import type { TenantSweepMark } from './sweep';
import type { ValidationSummary } from './validation';

/** A customer tenant the provider manages (or is being given access to). */
export type AuthMode = 'password' | 'token';
/**
 * The tenant's current authentication, as the portal's "Authentication Status" says it: none yet,
 * or what the last sign-in or validation found. Onboarding (src/domain/onboarding.ts) never sets it.
 */
export type AuthStatus = 'not_configured' | 'successful' | 'failed';

export interface TokenMetadata {
  readonly account: string;
  readonly createdAt: string;
  readonly lastRefreshedAt: string;
  /** Refresh tokens die after 90 idle days: last use + 90 days. */
  readonly refreshExpiresAt: string;
  readonly scopes: readonly string[];
}

export interface CustomerTenant {
  /** Entra tenant id (GUID, lower case) — also the partition key. */
  readonly id: string;
  readonly tenantId: string;
  readonly displayName: string;
  /** The domain it was invited by (or its first verified one). */
  readonly domain?: string;
  /** Its verified domains, as Graph lists them once a token reaches it. */
  readonly domains?: readonly string[];
  /**
   * Its newest invitation, named before that invitation is written: `status` reads it with one point
   * read instead of a query over the tenant's invitations.
   */
  readonly latestInvitationId?: string;
  readonly authMode: AuthMode;
  readonly authStatus: AuthStatus;
  /**
   * The last sign-in or validation. `outcome` (validations only) tells an incomplete validation
   * (Microsoft did not answer; `authStatus` unchanged) from a failed one.
   */
  readonly lastValidation?: { readonly at: string; readonly ok: boolean; readonly detail?: string; readonly outcome?: 'successful' | 'failed' | 'incomplete'; readonly validationId?: string };
  /**
   * The last few validations, newest first, kept with the tenant so `status` shows them without
   * reading the history (its own container keeps the last 50).
   */
  readonly recentValidations?: readonly ValidationSummary[];
  readonly token?: TokenMetadata;
  /** The sweep that last recorded a validation of this tenant, with its runner's fencing number (src/domain/sweep.ts). */
  readonly lastSweep?: TenantSweepMark;
  readonly createdAt: string;
  readonly createdBy: string;
}
