import type { StorePorts } from '../../usecases/ports';
import { AuditRepository } from './auditRepository';
import { ConversationRepository } from './conversationRepository';
import type { Store } from './cosmosStore';
import { InvitationRepository } from './invitationRepository';
import { LeaseRepository } from './leaseRepository';
import { PendingInvitationGuards } from './pendingInvitationGuards';
import { StaffRepository } from './staffRepository';
import { SweepRepository } from './sweepRepository';
import { TenantRepository } from './tenantRepository';
import { TokenCacheRepository } from './tokenCacheRepository';
import { ValidationRepository } from './validationRepository';

/** Every store port on Cosmos DB containers (the same set `memoryStores` makes in memory). */
export function cosmosStores(store: Store): StorePorts {
  const c = store.containers;
  return {
    tenants: new TenantRepository(c.tenants, c.tenantDomains),
    invitations: new InvitationRepository(c.invitations, c.links),
    pendingGuards: new PendingInvitationGuards(c.invitationGuards),
    staff: new StaffRepository(c.staff),
    conversations: new ConversationRepository(c.conversations),
    audit: new AuditRepository(c.audit),
    leases: new LeaseRepository(c.leases),
    tokenCacheDocs: new TokenCacheRepository(c.tokenCaches),
    validations: new ValidationRepository(c.validations),
    sweeps: new SweepRepository(c.sweeps),
  };
}
