import { Cron } from 'croner';

/**
 * A cron schedule (VALIDATION_SCHEDULE), read in UTC. croner only says when the next run is; the
 * waiting is the caller's, on the Clock port (the sweep runner compares `clock.now()` with
 * `nextAfter(…)` at each of its ticks), so a test that moves its clock moves the schedule with it.
 */
export interface Schedule {
  /** As configured: five fields (minute …) or six (second minute …). */
  readonly pattern: string;
  /** The first run strictly after `at`; undefined when there is none. */
  nextAfter(at: Date): Date | undefined;
}

export type ParsedSchedule = { ok: true; schedule: Schedule } | { ok: false; message: string };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Gaps are looked for over four years from a fixed start (a leap year's first day), so leap days
 * and month lengths all come round and the verdict does not depend on when the process starts.
 * Without a year field (refused below) a pattern repeats within that.
 */
const GAP_CHECK_FROM = Date.UTC(2024, 0, 1);
const GAP_CHECK_SPAN_MS = 4 * 366 * DAY_MS;
/** Probes are this far apart; a probe that cannot tell a gap exactly looks at the runs just before it. */
const PROBE_STEP_MS = 3 * DAY_MS;
/** Bounds the exact look at the runs before a probe (a per-second pattern has 259,200 in three days). */
const MAX_RUNS_LOOKED_AT = 20_000;

/** Parses a 5- or 6-field cron pattern (no year field: a schedule that ends would stop keeping tokens alive). */
export function parseSchedule(pattern: string): ParsedSchedule {
  let cron: Cron;
  try {
    cron = new Cron(pattern, { paused: true, timezone: 'Etc/UTC', mode: '5-or-6-parts' });
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error) };
  }
  return {
    ok: true,
    schedule: {
      pattern,
      nextAfter: (at) => cron.nextRun(at) ?? undefined,
    },
  };
}

export interface LongestGap {
  readonly gapMs: number;
  /** The run before the gap (or the start of the check when the first run is that far away). */
  readonly from: Date;
  /** The run after it; undefined when the pattern never runs again. */
  readonly to?: Date;
}

/**
 * The longest time between two runs, or the first gap longer than `limitMs` (then it stops
 * looking). Probes every few days: from a probe p with next run n, the gap that holds p is exactly
 * n − p when p is itself a run, else between n − p and n − p + the step (a run lies within a step
 * before p); only a probe whose answer straddles the limit looks at the runs before it.
 */
export function longestGap(schedule: Schedule, limitMs: number): LongestGap {
  const end = GAP_CHECK_FROM + GAP_CHECK_SPAN_MS;
  let longest: LongestGap = { gapMs: 0, from: new Date(GAP_CHECK_FROM) };
  let probe = GAP_CHECK_FROM;
  let probeIsRun = false;
  while (probe < end) {
    const next = schedule.nextAfter(new Date(probe));
    if (!next) return { gapMs: Infinity, from: new Date(probe) };
    const seen = next.getTime() - probe;
    let gap: LongestGap = { gapMs: seen, from: new Date(probe), to: next };
    if (!probeIsRun && seen + PROBE_STEP_MS > limitMs && probe > GAP_CHECK_FROM) {
      const before = lastRunAtOrBefore(schedule, probe);
      if (before !== undefined) gap = { gapMs: next.getTime() - before, from: new Date(before), to: next };
    }
    if (gap.gapMs > longest.gapMs) longest = gap;
    if (longest.gapMs > limitMs) return longest;
    if (seen > PROBE_STEP_MS) {
      probe = next.getTime();
      probeIsRun = true;
    } else {
      probe += PROBE_STEP_MS;
      probeIsRun = false;
    }
  }
  return longest;
}

/** The last run in (at − step, at]: the probe step guarantees there is one. */
function lastRunAtOrBefore(schedule: Schedule, at: number): number | undefined {
  let cursor = new Date(at - PROBE_STEP_MS);
  let last: number | undefined;
  for (let i = 0; i < MAX_RUNS_LOOKED_AT; i++) {
    const next = schedule.nextAfter(cursor);
    if (!next || next.getTime() > at) return last;
    last = next.getTime();
    cursor = next;
  }
  // A pattern this dense has no long gap here: the run just before the probe is as good as the probe.
  return at;
}
