import type { Audit } from '../ports';
import type { Clock } from '../../clock';
import type { FlowControl, TenantDirectory } from '../ports';
import type { Random } from '../../random';
import type { InvitationStore } from '../ports';
import type { PendingGuardStore } from '../ports';
import type { TenantStore } from '../ports';

export interface OnboardingDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly tenants: TenantStore;
  readonly invitations: InvitationStore;
  /** A revoke or resend stops the sign-in under way. */
  readonly flows: FlowControl;
  readonly pendingGuards: PendingGuardStore;
  readonly directory: TenantDirectory;
  readonly audit: Audit;
  readonly invitationTtlDays: number;
  readonly publicBaseUrl: string;
}

