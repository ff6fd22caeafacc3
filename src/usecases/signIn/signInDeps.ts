import type { Audit } from '../ports';
import type { Clock } from '../../clock';
import type { DeviceCodeAuthority, InstanceRegistry, InvitationStore, Notifications, OrganizationReader, Sealer, TenantStore, TokenCaches } from '../ports';
import type { Logger } from '../../log';
import type { Random } from '../../random';

/** What the customer's side of an invitation needs from the outside world. */
export interface SignInDeps {
  readonly invitations: InvitationStore;
  readonly tenants: TenantStore;
  readonly tokenCaches: TokenCaches;
  readonly authority: DeviceCodeAuthority;
  readonly box: Sealer;
  readonly clock: Clock;
  readonly random: Random;
  readonly lease: InstanceRegistry;
  readonly notifications: Notifications;
  readonly audit: Audit;
  readonly logger: Logger;
  readonly publicBaseUrl: string;
  /** Microsoft Graph: the organization behind the token (name, verified domains). */
  readonly organizations: OrganizationReader;
  /** A code request that has not produced a code within this time is considered dead (default 60 s). */
  readonly codeRequestGraceMs?: number;
}
