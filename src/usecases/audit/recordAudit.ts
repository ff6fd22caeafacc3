import { stableId } from '../stableId';
import { staffActor, type Actor, type AuditActor } from '../../domain/staff';
import type { AuditEvent, AuditLog } from '../ports';
import type { Clock } from '../../clock';

/** Events about the provider itself (staff changes, refusals) live in this partition. */
export const PROVIDER_PARTITION = 'provider';

export interface AuditInput {
  /** A staff member (the usual case), or any other actor of the union. */
  readonly actor: Actor | AuditActor;
  readonly action: string;
  readonly outcome: AuditEvent['outcome'];
  readonly tenantId?: string;
  readonly target?: string;
  readonly detail?: string;
  /** Same key, same audit id: a redelivered request writes one event. */
  readonly requestKey: string;
  readonly correlationId?: string;
}

export type Audit = (input: AuditInput) => Promise<void>;

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
