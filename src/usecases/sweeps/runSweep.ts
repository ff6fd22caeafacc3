import { performance } from 'node:perf_hooks';
import type { Clock } from '../../clock';
import type { AuditActor } from '../../domain/staff';
import {
  countOutcome,
  fenceAllows,
  isSettledBy,
  NO_COUNTS,
  retryDelayMs,
  retryFits,
  SWEEP_RETRIES,
  sweepSummary,
  type SweepCounts,
  type SweepRun,
} from '../../domain/sweep';
import type { CustomerTenant } from '../../domain/tenant';
import type { ValidationOutcome, ValidationRecord } from '../../domain/validation';
import type { Logger } from '../../log';
import type { Audit, SweepStore, TenantStore, Versioned } from '../ports';
import { validateTenant, type ValidateDeps } from '../tenants/validateTenant';

/** Waiting, for retries: real time by default (Retry-After is the service's, not the calendar's); tests pass their own. */
export interface SweepTimers {
  /** Monotonic milliseconds (deadlines, back-off). */
  nowMs(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realTimers: SweepTimers = {
  nowMs: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface SweepDeps {
  /** What each tenant's validation needs (its `tenants` is wrapped here with the fence). */
  readonly validation: ValidateDeps;
  readonly sweeps: SweepStore;
  readonly audit: Audit;
  readonly clock: Clock;
  readonly logger: Logger;
  /** VALIDATION_CONCURRENCY: validations in flight at once. A tenant waiting out its Retry-After holds none. */
  readonly concurrency: number;
  /** SWEEP_TENANT_DEADLINE_MS: one tenant's time in the sweep, its retries and their waits included. */
  readonly tenantDeadlineMs: number;
  /** How often progress goes to the sweep's document (what a runner that takes over starts from). */
  readonly checkpointMs: number;
  /** Tenants read per page (default 200): what the sweep holds in memory besides its retries. */
  readonly pageSize?: number;
  /** In [0, 1): the back-off's jitter. */
  readonly random01?: () => number;
  readonly timers?: SweepTimers;
}

/** What the runner lease gives the sweep it runs: the fencing number its writes carry, and whether it may still write. */
export interface RunnerHold {
  readonly instanceId: string;
  readonly fence: number;
  /** False while this process may not write as the runner (its lease is about to lapse, lapsed, or went to another instance). */
  mayWrite(): boolean;
  /** Aborts when this process stops being the runner, or stops. */
  readonly signal: AbortSignal;
}

export type SweepResult =
  | { ok: true; run: SweepRun }
  /** `fenced`: a runner with a higher fence has the sweep (or one of its tenants); `deposed`: the lease went while it ran. */
  | { ok: false; reason: 'not-found' | 'finished' | 'fenced' | 'deposed'; counts?: SweepCounts };

const PAGE_SIZE = 200;
/** A write the lease refused (it is being renewed) is tried again after this, without counting an attempt. */
const NOT_RUNNER_PAUSE_MS = 500;
const FENCED = 'fenced' as const;

/** The requests of one sweep share a key per tenant: `validateTenant` derives the record id from it, so it is recorded once. */
export const sweepRequestKey = (runId: string) => `sweep:${runId}`;

export function sweepActor(run: Pick<SweepRun, 'trigger' | 'requestedBy'>): AuditActor {
  if (run.trigger === 'schedule') return { kind: 'system', reason: 'scheduled sweep' };
  const by = run.requestedBy;
  return { kind: 'system', reason: `sweep (validate all by ${by.kind === 'staff' ? (by.name ?? by.aadObjectId) : 'the system'})` };
}

interface Entry {
  readonly tenant: Versioned<CustomerTenant>;
  attempt: number;
  /** Monotonic: when this tenant's deadline passes. */
  deadlineMs: number;
  dueMs: number;
}

/**
 * Runs (or resumes) one sweep as the holder of the runner lease: every token-mode tenant, in
 * tenant-id pages, through `validateTenant` with at most `concurrency` in flight.
 *
 * - An incomplete validation (throttled, 5xx, timeout) is not recorded while a retry fits the
 *   tenant's deadline: the tenant waits out its Retry-After (or a jittered back-off) off the slots,
 *   so it delays nobody else, and only its last attempt is written — three writes per tenant.
 * - The fence: each tenant write carries `lastSweep` with this runner's fencing number and is
 *   refused, conditionally on its etag, when a higher number wrote it; the history record's id is
 *   fixed per (sweep, tenant), so a second write of it is refused by the store; the sweep's own
 *   document is written only while its `fence` is ours. Before each write the lease is asked too.
 * - A runner that takes over counts what is settled from the tenants themselves and validates the
 *   rest (a tenant cut off between its writes is validated again: its record cannot be doubled).
 */
export async function runSweep(deps: SweepDeps, runId: string, hold: RunnerHold): Promise<SweepResult> {
  const claimed = await deps.sweeps.update<'finished' | typeof FENCED>(runId, (run) => {
    if (run.status === 'finished') return { ok: false, failure: 'finished' };
    if (run.fence > hold.fence) return { ok: false, failure: FENCED };
    return { ok: true, value: { ...run, runner: hold.instanceId, fence: hold.fence, resumes: run.fence < hold.fence && run.runner !== '' ? run.resumes + 1 : run.resumes } };
  });
  if (!claimed.ok) {
    if (claimed.reason === 'rejected') return { ok: false, reason: claimed.failure };
    if (claimed.reason === 'not-found') return { ok: false, reason: 'not-found' };
    throw new Error(`sweep ${runId}: its document kept changing under the claim`);
  }
  const before = claimed.previous;
  const run = claimed.value;
  const resumed = before.runner !== '' && before.fence < hold.fence;
  deps.logger.info(
    { event: resumed ? 'sweep.resumed' : 'sweep.started', sweepId: run.id, trigger: run.trigger, fence: hold.fence, from: resumed ? before.runner : undefined, settledThrough: before.settledThrough },
    resumed ? 'resuming a sweep another runner left' : 'sweep started',
  );
  return new SweepExecution(deps, before, hold).run();
}

class SweepExecution {
  private counts: SweepCounts = NO_COUNTS;
  /** Tenant id → when its first attempt this run started (clock ms): what `settledThrough` waits for. */
  private readonly unfinished = new Map<string, number>();
  private readonly retries: Entry[] = [];
  private readonly running = new Set<Promise<void>>();
  private listed: Versioned<CustomerTenant>[] = [];
  private cursor: string | undefined;
  private exhausted = false;
  private fetching?: Promise<void>;
  private deposed = false;
  private refusals = 0;
  private readonly stop = new AbortController();
  private wake?: () => void;
  private readonly timers: SweepTimers;
  private readonly random01: () => number;

  constructor(private readonly deps: SweepDeps, private readonly run0: SweepRun, private readonly hold: RunnerHold) {
    this.timers = deps.timers ?? realTimers;
    this.random01 = deps.random01 ?? Math.random;
    hold.signal.addEventListener('abort', () => this.depose('the runner lease was lost or the process is stopping'), { once: true });
  }

  private get id(): string {
    return this.run0.id;
  }

  private get pageSize(): number {
    return this.deps.pageSize ?? PAGE_SIZE;
  }

  async run(): Promise<SweepResult> {
    const checkpoints = this.checkpointLoop();
    try {
      await this.dispatch();
    } finally {
      this.stop.abort();
      await Promise.allSettled([...this.running]);
      await checkpoints;
    }
    if (this.deposed || !this.hold.mayWrite()) return { ok: false, reason: 'deposed', counts: this.counts };
    return this.finish();
  }

  /** Starts what fits, waits for a slot or the next retry, until every tenant is settled. */
  private async dispatch(): Promise<void> {
    const slots = Math.max(1, this.deps.concurrency);
    for (;;) {
      if (this.deposed) return;
      while (this.running.size < slots && !this.deposed) {
        const entry = this.dueRetry() ?? (await this.nextListed());
        if (!entry) break;
        const attempt: Promise<void> = this.attempt(entry).finally(() => {
          this.running.delete(attempt);
          this.wake?.();
        });
        this.running.add(attempt);
      }
      if (this.running.size === 0 && this.retries.length === 0 && this.exhausted && this.listed.length === 0) return;
      const waitMs = this.running.size < slots && this.retries.length > 0 ? Math.max(0, this.retries[0].dueMs - this.timers.nowMs()) : 60_000;
      // Woken early by a validation that ends, a page that arrives, or the sweep stopping.
      const pause = new AbortController();
      this.wake = () => pause.abort();
      await this.timers.sleep(waitMs, pause.signal);
      this.wake = undefined;
    }
  }

  private dueRetry(): Entry | undefined {
    if (this.retries.length === 0 || this.retries[0].dueMs > this.timers.nowMs()) return undefined;
    return this.retries.shift();
  }

  /** The next listed tenant that needs a validation; counts on the way the ones that need none. */
  private async nextListed(): Promise<Entry | undefined> {
    for (;;) {
      if (this.deposed) return undefined;
      if (this.listed.length < this.pageSize / 2) this.prefetch();
      if (this.listed.length === 0) {
        if (this.exhausted) return undefined;
        await this.fetching;
        continue;
      }
      const tenant = this.listed.shift()!;
      if (!tenant.value.token) {
        this.count('skipped');
        continue;
      }
      if (isSettledBy(tenant.value, this.run0)) {
        this.count(tenant.value.lastSweep!.outcome);
        continue;
      }
      const now = this.timers.nowMs();
      return { tenant, attempt: 1, deadlineMs: now + this.deps.tenantDeadlineMs, dueMs: now };
    }
  }

  private prefetch(): void {
    if (this.fetching || this.exhausted) return;
    const size = this.pageSize;
    this.fetching = this.deps.validation.tenants
      .listForSweep(this.cursor, size)
      .then((page) => {
        if (page.length < size) this.exhausted = true;
        if (page.length > 0) this.cursor = page[page.length - 1].value.tenantId;
        this.listed.push(...page);
      })
      .catch((error: unknown) => {
        // The store is down: the lease notices too (its renewals fail); the page is asked again in a second.
        if (this.deposed) return;
        this.deps.logger.warn({ event: 'sweep.page-failed', sweepId: this.id, err: error }, 'a page of tenants could not be read');
        return this.timers.sleep(1_000, this.stop.signal);
      })
      .finally(() => {
        this.fetching = undefined;
        this.wake?.();
      });
  }

  private count(outcome: ValidationOutcome | 'skipped', tenantId?: string): void {
    this.counts = countOutcome(this.counts, outcome);
    if (tenantId) this.unfinished.delete(tenantId);
  }

  private async attempt(entry: Entry): Promise<void> {
    const { tenant } = entry;
    const tenantId = tenant.value.tenantId;
    if (!this.unfinished.has(tenantId)) this.unfinished.set(tenantId, this.deps.clock.now().getTime());
    let verdict: 'write' | 'retry' | 'not-runner' | typeof FENCED | undefined;
    let retryInMs = 0;
    const seen = { fenced: false };
    const remainingMs = entry.deadlineMs - this.timers.nowMs();
    const decide = (pending: ValidationRecord): 'write' | 'retry' => {
      if (pending.outcome !== 'incomplete') return 'write';
      const delay = retryDelayMs(pending, entry.attempt, this.random01());
      if (!retryFits(entry.attempt, delay, entry.deadlineMs - this.timers.nowMs())) return 'write';
      retryInMs = delay;
      return 'retry';
    };
    try {
      const result = await validateTenant(
        { ...this.deps.validation, tenants: fencedTenants(this.deps.validation.tenants, this.id, this.hold.fence, tenant, seen) },
        {
          tenant: tenant.value,
          actor: sweepActor(this.run0),
          requestKey: sweepRequestKey(this.id),
          trigger: 'sweep',
          budgetMs: Math.max(SWEEP_RETRIES.minAttemptMs, Math.min(this.deps.validation.budgetMs, remainingMs)),
          audit: false,
          beforeWrite: async (pending) => {
            verdict ??= decide(pending);
            if (verdict === 'retry') return false;
            if (seen.fenced) verdict = FENCED;
            else if (this.deposed || !this.hold.mayWrite()) verdict = 'not-runner';
            return verdict === 'write';
          },
        },
      );
      if (result.ok) return this.count(result.validation.outcome, tenantId);
      if (result.reason === 'no-token') return this.count('skipped', tenantId);
      if (result.reason === 'unknown-tenant') return this.count('skipped', tenantId);
      switch (verdict) {
        case 'retry':
          return this.retryLater(entry, retryInMs, 1);
        case FENCED:
          this.refused(tenantId, 'a runner with a higher fence recorded this tenant');
          return this.depose('a runner with a higher fence wrote one of its tenants');
        default:
          this.refused(tenantId, 'the runner lease is not held right now');
          return this.retryLater(entry, NOT_RUNNER_PAUSE_MS, 0);
      }
    } catch (error) {
      // Unexpected (the store failing, say): retried like an incomplete validation, then skipped.
      const delay = retryDelayMs({}, entry.attempt, this.random01());
      if (retryFits(entry.attempt, delay, entry.deadlineMs - this.timers.nowMs())) {
        this.deps.logger.warn({ event: 'sweep.tenant-error', sweepId: this.id, tenantId, attempt: entry.attempt, err: error }, 'a tenant\'s validation failed; it is tried again');
        return this.retryLater(entry, delay, 1);
      }
      this.deps.logger.error({ event: 'sweep.tenant-skipped', sweepId: this.id, tenantId, attempt: entry.attempt, err: error }, 'a tenant\'s validation kept failing; the sweep skips it');
      this.count('skipped', tenantId);
    }
  }

  private retryLater(entry: Entry, delayMs: number, attempts: number): void {
    if (this.deposed) return;
    if (attempts > 0) this.deps.logger.debug({ event: 'sweep.retry', sweepId: this.id, tenantId: entry.tenant.value.tenantId, attempt: entry.attempt, delayMs }, 'an incomplete validation is tried again, not recorded');
    entry.attempt += attempts;
    entry.dueMs = this.timers.nowMs() + delayMs;
    const at = this.retries.findIndex((e) => e.dueMs > entry.dueMs);
    if (at === -1) this.retries.push(entry);
    else this.retries.splice(at, 0, entry);
  }

  private refused(tenantId: string, why: string): void {
    this.refusals += 1;
    // Once per sweep: a deposed runner would say it for every tenant in flight.
    if (this.refusals === 1) this.deps.logger.warn({ event: 'sweep.write-refused', sweepId: this.id, tenantId, fence: this.hold.fence, why }, 'a validation result was not recorded: this process is not the runner');
  }

  private depose(why: string): void {
    if (this.deposed) return;
    this.deposed = true;
    this.stop.abort();
    this.wake?.();
    this.deps.logger.warn({ event: 'sweep.deposed', sweepId: this.id, fence: this.hold.fence, why, counts: this.counts }, 'this process stops the sweep: another runner has it');
  }

  /** Every checkpointMs: the counts and how far every validation is settled, while the fence is ours. */
  private async checkpointLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.timers.sleep(this.deps.checkpointMs, this.stop.signal);
      if (this.stop.signal.aborted || !this.hold.mayWrite()) continue;
      await this.writeProgress().catch((error: unknown) => this.deps.logger.warn({ event: 'sweep.checkpoint-failed', sweepId: this.id, err: error }, 'the sweep\'s progress could not be written'));
    }
  }

  private settledThrough(): string {
    const now = this.deps.clock.now().getTime();
    let earliest = now;
    for (const startedAt of this.unfinished.values()) earliest = Math.min(earliest, startedAt);
    return new Date(earliest).toISOString();
  }

  private async writeProgress(): Promise<void> {
    const counts = this.counts;
    const settledThrough = this.settledThrough();
    const written = await this.deps.sweeps.update<typeof FENCED>(this.id, (run) => (run.fence !== this.hold.fence ? { ok: false, failure: FENCED } : { ok: true, value: { ...run, counts, settledThrough } }));
    if (!written.ok && written.reason === 'rejected') this.depose('the sweep\'s document names a higher fence');
  }

  /** One audit row for the sweep (a fixed id: a resumed sweep writes it once), then the document says finished. */
  private async finish(): Promise<SweepResult> {
    const counts = this.counts;
    const finishedAt = this.deps.clock.now();
    await this.deps.audit({
      actor: this.run0.requestedBy,
      action: 'tenants.sweep',
      outcome: 'ok',
      target: this.id,
      detail: `${this.run0.trigger === 'schedule' ? 'scheduled' : 'validate all'}: ${sweepSummary(counts)}`,
      requestKey: this.id,
    });
    const written = await this.deps.sweeps.update<typeof FENCED>(this.id, (run) =>
      run.fence !== this.hold.fence
        ? { ok: false, failure: FENCED }
        : {
            ok: true,
            value: { ...run, status: 'finished', finishedAt: finishedAt.toISOString(), durationMs: Math.max(0, finishedAt.getTime() - Date.parse(run.startedAt)), counts, settledThrough: finishedAt.toISOString() },
          },
    );
    if (!written.ok) return { ok: false, reason: written.reason === 'rejected' ? FENCED : 'deposed', counts };
    this.deps.logger.info({ event: 'sweep.finished', sweepId: this.id, trigger: this.run0.trigger, durationMs: written.value.durationMs, ...counts }, `sweep finished: ${sweepSummary(counts)}`);
    return { ok: true, run: written.value };
  }
}

/**
 * The tenant store a sweep's validation writes through: its update decides on the page's copy
 * first (no read), refuses when a higher fence has written the tenant, and marks the tenant with
 * this sweep and fence in the same conditional write.
 */
function fencedTenants(inner: TenantStore, sweepId: string, fence: number, known: Versioned<CustomerTenant>, seen: { fenced: boolean }): TenantStore {
  return {
    get: (id) => inner.get(id),
    findByDomain: (domain) => inner.findByDomain(domain),
    addDomain: (domain, id) => inner.addDomain(domain, id),
    ensure: (t) => inner.ensure(t),
    list: (limit) => inner.list(limit),
    listForSweep: (after, limit) => inner.listForSweep(after, limit),
    async update(tenantId, mutate, given) {
      const outcome = await inner.update(
        tenantId,
        (t) => {
          if (!fenceAllows(t, fence)) return { ok: false, failure: FENCED as never };
          const next = mutate(t);
          if (!next.ok) return next;
          const last = next.value.lastValidation;
          return { ok: true, value: { ...next.value, lastSweep: { sweepId, fence, at: last?.at ?? new Date().toISOString(), outcome: last?.outcome ?? 'incomplete' } } };
        },
        given ?? (tenantId === known.value.tenantId ? known : undefined),
      );
      if (!outcome.ok && outcome.reason === 'rejected' && (outcome.failure as unknown) === FENCED) seen.fenced = true;
      return outcome;
    },
  };
}
