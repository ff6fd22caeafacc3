import type { Clock } from '../../src/clock';
import type { Logger } from '../../src/log';
import type { OnboardingDeps } from '../../src/usecases/invitations/onboardingDeps';
import type { Random } from '../../src/random';
import type { StaffDeps } from '../../src/usecases/staff/manageStaff';
import type { ConversationRepository } from '../../src/adapters/cosmos/conversationRepository';
import type { TenantRepository } from '../../src/adapters/cosmos/tenantRepository';
import type { InvitationRepository } from '../../src/adapters/cosmos/invitationRepository';
import type { StaffRepository } from '../../src/adapters/cosmos/staffRepository';
import type { StaffPolicy } from '../../src/usecases/staff/authorizeStaff';
import type { Audit } from '../../src/usecases/audit/recordAudit';
import type { SignInFlows } from '../../src/usecases/signIn/signInFlows';
import type { CustomerViewSettings } from '../presentation/customerView';

/** Everything the Teams handlers need, built once by the composition root. */
export interface BotServices {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: Random;
  readonly providerName: string;
  readonly onboarding: OnboardingDeps;
  readonly staffDeps: StaffDeps;
  readonly tenants: TenantRepository;
  readonly invitations: InvitationRepository;
  readonly staff: StaffRepository;
  readonly conversations: ConversationRepository;
  readonly policy: StaffPolicy;
  readonly audit: Audit;
  /** Customer sign-in flows: a revoke or resend here stops this process's poll at once. */
  readonly flows: SignInFlows;
  /** What customer-facing cards say about the provider and the app. */
  readonly customerView: CustomerViewSettings;
  /** How long a message turn and a card action may take in all. */
  readonly budgets: { readonly turnMs: number; readonly invokeMs: number };
}
