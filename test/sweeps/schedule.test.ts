import { DEFAULT_VALIDATION_SCHEDULE, loadConfig, MAX_DAYS_BETWEEN_SWEEPS } from '../../src/config';
import { longestGap, parseSchedule } from '../../src/schedule';

const DAY_MS = 24 * 60 * 60 * 1000;
const errorsOf = (env: Record<string, string>) => {
  const loaded = loadConfig(env);
  return loaded.ok ? [] : loaded.errors;
};
const scheduleOf = (pattern: string) => {
  const parsed = parseSchedule(pattern);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.schedule;
};

describe('VALIDATION_SCHEDULE', () => {
  it('defaults to every 6 hours on the hour, UTC, and its runs are never more than 30 days apart', () => {
    const loaded = loadConfig({});
    expect(loaded.ok && loaded.config.validationSchedule).toBe('0 */6 * * *');
    const schedule = scheduleOf(DEFAULT_VALIDATION_SCHEDULE);
    expect(schedule.nextAfter(new Date('2026-12-01T05:59:59Z'))).toEqual(new Date('2026-12-01T06:00:00Z'));
    expect(schedule.nextAfter(new Date('2026-12-01T06:00:00Z'))).toEqual(new Date('2026-12-01T12:00:00Z'));
    expect(longestGap(schedule, MAX_DAYS_BETWEEN_SWEEPS * DAY_MS).gapMs).toBe(6 * 60 * 60 * 1000);
  });

  it('takes a cron pattern (five or six fields) and `off`', () => {
    const weekly = loadConfig({ VALIDATION_SCHEDULE: '0 3 * * 1' });
    expect(weekly.ok && weekly.config.validationSchedule).toBe('0 3 * * 1');
    const off = loadConfig({ VALIDATION_SCHEDULE: 'off' });
    expect(off.ok && off.config.validationSchedule).toBeUndefined();
    expect(longestGap(scheduleOf('0 0 1,15 * *'), 30 * DAY_MS).gapMs).toBe(17 * DAY_MS);
    expect(longestGap(scheduleOf('*/30 * * * * *'), 30 * DAY_MS).gapMs).toBe(30_000);
  });

  it.each([
    ['0 0 1 * *', '31 days between two sweeps (from 2024-01-01T00:00 to 2024-02-01T00:00 UTC)'],
    ['0 0 1 */2 *', '60 days between two sweeps'],
    ['0 0 31 * *', '60 days between two sweeps (from 2024-01-31T00:00 to 2024-03-31T00:00 UTC)'],
    ['0 0 29 2 *', '59 days between two sweeps'],
    ['* * 1 * *', '30 days 0 h 1 min between two sweeps (from 2024-01-01T23:59 to 2024-02-01T00:00 UTC)'],
    ['0 0 * 1 *', '336 days between two sweeps'],
  ])('refuses %p at start: more than 30 days between runs, said with the variable and the gap', (pattern, gap) => {
    const [error, ...rest] = errorsOf({ VALIDATION_SCHEDULE: pattern });
    expect(rest).toEqual([]);
    expect(error).toContain(`VALIDATION_SCHEDULE="${pattern}" leaves ${gap}`);
    expect(error).toContain('it must run at least every 30 days');
    expect(error).toContain('a refresh token dies after 90 idle days');
  });

  it('refuses what is not a cron pattern, and a year field', () => {
    expect(errorsOf({ VALIDATION_SCHEDULE: 'every day' })[0]).toMatch(/^VALIDATION_SCHEDULE="every day" is not a cron pattern \(minute hour day-of-month month day-of-week, in UTC; or `off`\): /);
    expect(errorsOf({ VALIDATION_SCHEDULE: '0 0 0 * * * 2027' })[0]).toMatch(/^VALIDATION_SCHEDULE="0 0 0 \* \* \* 2027" is not a cron pattern/);
    expect(errorsOf({ VALIDATION_SCHEDULE: '61 * * * *' })[0]).toMatch(/^VALIDATION_SCHEDULE="61 \* \* \* \*" is not a cron pattern/);
  });
});

describe('VALIDATION_CONCURRENCY and the runner lease', () => {
  it('defaults to 16 validations at once, a 30 s runner lease renewed every 10 s, 5 minutes per tenant', () => {
    const loaded = loadConfig({});
    expect(loaded.ok && loaded.config.validationConcurrency).toBe(16);
    expect(loaded.ok && loaded.config.timings).toMatchObject({ runnerLeaseTtlMs: 30_000, runnerLeaseRenewMs: 10_000, sweepTenantDeadlineMs: 300_000 });
    const short = loadConfig({ VALIDATION_CONCURRENCY: '4', RUNNER_LEASE_TTL_MS: '3000', RUNNER_LEASE_RENEW_MS: '1000' });
    expect(short.ok && [short.config.validationConcurrency, short.config.timings.runnerLeaseTtlMs, short.config.timings.runnerLeaseRenewMs]).toEqual([4, 3000, 1000]);
  });

  it('names what is out of range', () => {
    expect(errorsOf({ VALIDATION_CONCURRENCY: '0' })).toEqual(['VALIDATION_CONCURRENCY must be a whole number from 1 to 64']);
    expect(errorsOf({ VALIDATION_CONCURRENCY: '65' })).toEqual(['VALIDATION_CONCURRENCY must be a whole number from 1 to 64']);
    expect(errorsOf({ RUNNER_LEASE_TTL_MS: '3000', RUNNER_LEASE_RENEW_MS: '2000' })).toEqual([
      'RUNNER_LEASE_RENEW_MS must be at most half of RUNNER_LEASE_TTL_MS (the runner lease is renewed at least twice within its life)',
    ]);
  });
});
