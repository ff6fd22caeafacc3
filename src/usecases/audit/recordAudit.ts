import { stableId } from '../stableId';
import { staffActor } from '../../domain/staff';
import type { Audit, AuditLog } from '../ports';
import type { Clock } from '../../clock';

/** Events about the provider itself (staff changes, refusals) live in this partition. */
export const PROVIDER_PARTITION = 'provider';

/** The audit port over the audit log: a stable id per request (a redelivery writes once) and the time. */
export function createAudit(repository: AuditLog, clock: Clock): Audit {
  return async (input) => {
    const tenantId = input.tenantId ?? PROVIDER_PARTITION;
    await repository.append({
      id: stableId('aud-', `${input.action}|${input.target ?? ''}|${input.requestKey}`, 20),
      tenantId,
      at: clock.now().toISOString(),
      actor: 'kind' in input.actor ? input.actor : staffActor(input.actor),
      action: input.action,
      outcome: input.outcome,
      target: input.target,
      detail: input.detail,
      correlationId: input.correlationId,
    });
  };
}
