import type { Audit } from '../audit/recordAudit';
import type { Clock } from '../clock';
import type { TenantDirectory } from '../identity/tenantDirectory';
import type { Random } from '../random';
import type { InvitationRepository } from '../store/invitationRepository';
import type { PendingInvitationGuards } from '../store/pendingInvitationGuards';
import type { TenantRepository } from '../store/tenantRepository';

export interface OnboardingDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly tenants: TenantRepository;
  readonly invitations: InvitationRepository;
  readonly pendingGuards: PendingInvitationGuards;
  readonly directory: TenantDirectory;
  readonly audit: Audit;
  readonly invitationTtlDays: number;
  readonly publicBaseUrl: string;
}

