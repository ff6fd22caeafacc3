import type { AuditActor } from './staff';
import type { CustomerTenant } from './tenant';
import type { ValidationOutcome, ValidationRecord } from './validation';

/**
 * A sweep: every token-mode tenant validated once (which also renews its refresh token), by the one
 * instance that holds the runner lease. Its document says how far it got; a runner that takes over
 * a sweep cut off midway resumes it from the tenants themselves (each carries the last sweep that
 * recorded its validation, `CustomerTenant.lastSweep`).
 */
export type SweepTrigger = 'schedule' | 'command';

/** The runner lease's document (in the leases container): whoever holds it runs the sweeps and the orphan sweep. */
export const RUNNER_LEASE_ID = 'runner:sweeps';

export interface SweepCounts {
  /** Tenants whose validation this sweep recorded (ok + failed + incomplete). */
  readonly checked: number;
  readonly ok: number;
  readonly failed: number;
  /** Microsoft never answered within the tenant's deadline and retries: recorded as incomplete. */
  readonly incomplete: number;
  /** Token-mode tenants with nothing to validate (no saved sign-in yet), or whose validation could not be recorded. */
  readonly skipped: number;
}

export const NO_COUNTS: SweepCounts = { checked: 0, ok: 0, failed: 0, incomplete: 0, skipped: 0 };

export interface SweepRun {
  readonly id: string;
  readonly trigger: SweepTrigger;
  /** The scheduled time it stands for (schedule only). */
  readonly slot?: string;
  /** Who asked: the staff member for `validate all`, the schedule otherwise. */
  readonly requestedBy: AuditActor;
  readonly status: 'running' | 'finished';
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Wall time from start to finish, resumes included. */
  readonly durationMs?: number;
  readonly counts: SweepCounts;
  /** The instance running it now (or that finished it), and the fencing number it holds. */
  readonly runner: string;
  readonly fence: number;
  /** How many times another runner took it over. */
  readonly resumes: number;
  /**
   * Every validation this sweep started before this time is recorded or was refused (the runner's
   * last checkpoint): a tenant whose `lastSweep` names this sweep at an earlier time is done; one
   * at a later time may have been cut off between its tenant write and its history write, so a
   * runner that resumes validates it again (its history record has a fixed id: never twice).
   */
  readonly settledThrough?: string;
  /** Seconds; the store's clean-up (the last 90 days of sweeps are kept). */
  readonly ttl: number;
}

export const SWEEP_TTL_SECONDS = 90 * 24 * 60 * 60;

/** What a tenant carries about the sweep that last recorded its validation (written with it, in one conditional write). */
export interface TenantSweepMark {
  readonly sweepId: string;
  /** The runner's fencing number: a write from a lower one (a deposed runner) is refused. */
  readonly fence: number;
  /** The validation's start. */
  readonly at: string;
  readonly outcome: ValidationOutcome;
}

/** The tenant's validation is recorded by this sweep, before the last checkpoint: nothing to do on resume. */
export function isSettledBy(tenant: Pick<CustomerTenant, 'lastSweep'>, run: Pick<SweepRun, 'id' | 'settledThrough'>): boolean {
  const mark = tenant.lastSweep;
  return mark !== undefined && mark.sweepId === run.id && run.settledThrough !== undefined && mark.at < run.settledThrough;
}

/** A runner with fence `fence` may write this tenant: no higher fence has written it. */
export function fenceAllows(tenant: Pick<CustomerTenant, 'lastSweep'>, fence: number): boolean {
  return (tenant.lastSweep?.fence ?? 0) <= fence;
}

export function countOutcome(counts: SweepCounts, outcome: ValidationOutcome | 'skipped'): SweepCounts {
  if (outcome === 'skipped') return { ...counts, skipped: counts.skipped + 1 };
  const checked = counts.checked + 1;
  if (outcome === 'successful') return { ...counts, checked, ok: counts.ok + 1 };
  if (outcome === 'failed') return { ...counts, checked, failed: counts.failed + 1 };
  return { ...counts, checked, incomplete: counts.incomplete + 1 };
}

// --- Retries ----------------------------------------------------------------------------------

export const SWEEP_RETRIES = {
  /** Attempts per tenant, the first included. */
  maxAttempts: 5,
  /** Back-off on 5xx and timeouts: base × 2^(attempt − 1), capped, with jitter. */
  backoffBaseMs: 1_000,
  backoffCapMs: 30_000,
  /** An attempt is not started with less than this left of the tenant's deadline. */
  minAttemptMs: 2_000,
} as const;

/**
 * How long to wait before a tenant's next attempt after an incomplete one: its Retry-After when
 * Microsoft throttled it (honoured as given: Graph throttles per tenant, so only this tenant waits),
 * else exponential back-off with "equal jitter" (half fixed, half random), so tenants that failed
 * together do not come back together. `random01` is in [0, 1).
 */
export function retryDelayMs(validation: Pick<ValidationRecord, 'throttled'>, attempt: number, random01: number): number {
  const retryAfter = validation.throttled?.retryAfterSeconds;
  if (retryAfter !== undefined) return Math.max(0, retryAfter * 1000);
  const ceiling = Math.min(SWEEP_RETRIES.backoffCapMs, SWEEP_RETRIES.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random01);
}

/** Whether an incomplete attempt is retried (and so not recorded): attempts left, and time left after the wait. */
export function retryFits(attempt: number, delayMs: number, remainingMs: number): boolean {
  return attempt < SWEEP_RETRIES.maxAttempts && delayMs + SWEEP_RETRIES.minAttemptMs <= remainingMs;
}

/** The audit row's detail: one row per sweep. */
export function sweepSummary(counts: SweepCounts): string {
  const parts = [`${counts.checked} checked`, `${counts.ok} ok`, `${counts.failed} failed`];
  if (counts.incomplete > 0) parts.push(`${counts.incomplete} incomplete`);
  parts.push(`${counts.skipped} skipped`);
  return parts.join(', ');
}
