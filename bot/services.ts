import type { Clock } from '../src/clock';
import type { Logger } from '../src/log';
import type { OnboardingDeps } from '../src/onboarding/onboardingDeps';
import type { Random } from '../src/random';
import type { StaffDeps } from '../src/staff/manageStaff';
import type { ConversationRepository } from '../src/store/conversationRepository';
import type { TenantRepository } from '../src/store/tenantRepository';
import type { InvitationRepository } from '../src/store/invitationRepository';
import type { StaffRepository } from '../src/store/staffRepository';
import type { StaffPolicy } from '../src/staff/authorizeStaff';
import type { Audit } from '../src/audit/recordAudit';
import type { SignInFlows } from '../src/onboarding/signInFlows';
import type { CustomerViewSettings } from './customerView';

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
