import type { Audit } from '../audit/recordAudit';
import type { Clock } from '../../clock';
import type { TenantDirectory } from '../ports';
import type { Random } from '../../random';
import type { InvitationRepository } from '../../adapters/cosmos/invitationRepository';
import type { PendingInvitationGuards } from '../../adapters/cosmos/pendingInvitationGuards';
import type { TenantRepository } from '../../adapters/cosmos/tenantRepository';

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

