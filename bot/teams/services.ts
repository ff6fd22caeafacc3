import type { Clock } from '../../src/clock';
import type { Logger } from '../../src/log';
import type { OnboardingDeps } from '../../src/usecases/invitations/onboardingDeps';
import type { Random } from '../../src/random';
import type { StaffDeps } from '../../src/usecases/staff/manageStaff';
import type { ConversationStore } from '../../src/usecases/ports';
import type { TenantStore } from '../../src/usecases/ports';
import type { InvitationStore } from '../../src/usecases/ports';
import type { StaffStore } from '../../src/usecases/ports';
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
  readonly tenants: TenantStore;
  readonly invitations: InvitationStore;
  readonly staff: StaffStore;
  readonly conversations: ConversationStore;
  readonly policy: StaffPolicy;
  readonly audit: Audit;
  /** Customer sign-in flows: a revoke or resend here stops this process's poll at once. */
  readonly flows: SignInFlows;
  /** What customer-facing cards say about the provider and the app. */
  readonly customerView: CustomerViewSettings;
  /** How long a message turn and a card action may take in all. */
  readonly budgets: { readonly turnMs: number; readonly invokeMs: number };
}
