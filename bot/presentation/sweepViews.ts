import type { SweepStatusCard } from '../../cards';
import type { SweepRun } from '../../src/domain/sweep';
import type { SweepStatus } from '../../src/usecases/sweeps/sweepStatus';
import { formatUtc } from './views';

/** "4 min 12 s", "1 h 3 min", "38 s". */
export function sweepDurationWords(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function askedBy(run: SweepRun): string {
  if (run.trigger === 'schedule') return `the schedule (${formatUtc(run.slot)})`;
  const by = run.requestedBy;
  return `validate all, by ${by.kind === 'staff' ? (by.name ?? by.aadObjectId) : 'the system'}`;
}

function countFacts(run: SweepRun): { name: string; value: string }[] {
  const c = run.counts;
  return [
    { name: 'Tenants checked', value: String(c.checked) },
    { name: 'OK', value: String(c.ok) },
    { name: 'Failed', value: String(c.failed) },
    ...(c.incomplete > 0 ? [{ name: 'Incomplete', value: `${c.incomplete} (Microsoft did not answer in time)` }] : []),
    { name: 'Skipped', value: `${c.skipped}${c.skipped > 0 ? ' (no saved sign-in yet)' : ''}` },
  ];
}

/** The `sweep` card: the running sweep (as of its last checkpoint), the last one, the next run. */
export function sweepStatusCard(status: SweepStatus, now: Date): SweepStatusCard {
  const sections: SweepStatusCard['sections'] = [];
  if (status.running) {
    const r = status.running;
    sections.push({
      heading: 'Running sweep',
      facts: [
        { name: 'Started', value: formatUtc(r.startedAt) },
        { name: 'Asked by', value: askedBy(r) },
        ...countFacts(r),
        { name: 'Running for', value: sweepDurationWords(now.getTime() - Date.parse(r.startedAt)) },
        { name: 'Runner', value: `${r.runner || '—'}${r.resumes > 0 ? ` (resumed ${r.resumes}×)` : ''}` },
      ],
    });
  }
  if (status.last) {
    const l = status.last;
    sections.push({
      heading: 'Last sweep',
      facts: [
        { name: 'Started', value: formatUtc(l.startedAt) },
        { name: 'Finished', value: formatUtc(l.finishedAt) },
        { name: 'Asked by', value: askedBy(l) },
        ...countFacts(l),
        { name: 'Duration', value: l.durationMs === undefined ? '—' : sweepDurationWords(l.durationMs) },
      ],
    });
  }
  const next = status.scheduleOff ? 'none: the schedule is off (VALIDATION_SCHEDULE=off)' : status.nextRun ? formatUtc(status.nextRun.toISOString()) : '—';
  sections.push({ heading: 'Schedule', facts: [{ name: 'Next run', value: status.running ? `${next} (after the running one)` : next }, ...(status.requested ? [{ name: 'Asked for', value: `a sweep at ${formatUtc(status.requested.at)}, starting` }] : [])] });
  const text = !status.running && !status.last ? 'No sweep has run yet.' : '';
  return {
    title: status.running ? 'Sweep running' : 'Sweeps',
    text,
    tone: status.last && status.last.counts.failed > 0 && !status.running ? 'warning' : 'default',
    sections,
    footer: 'A sweep validates every tenant with a saved sign-in, which also renews its refresh token. Times are UTC. **validate all** starts one now.',
  };
}
