/**
 * Counters a benchmark or a test in another process reads back over the control API: token-endpoint answers by
 * grant type and answer (`tokens` or the OAuth error), HTTP answers by route and status, and what the faults did.
 * Counts only: no codes, tokens or tenants.
 */
export class SimulatorStats {
  private tokenAnswers = new Map<string, Map<string, number>>();
  private httpAnswers = new Map<string, Map<string, number>>();
  private delayedCalls = 0;
  private delayedMs = 0;
  private faultAnswers = new Map<string, number>();
  private since = 0;

  constructor(private readonly nowMs: () => number) {
    this.since = nowMs();
  }

  countToken(grantType: string, answer: string): void {
    bump(this.tokenAnswers, grantType || 'none', answer || 'none');
  }

  countHttp(route: string, status: number): void {
    bump(this.httpAnswers, route, String(status));
  }

  countDelay(ms: number): void {
    this.delayedCalls += 1;
    this.delayedMs += ms;
  }

  countFaultAnswer(service: string, status: number): void {
    const key = `${service} ${status}`;
    this.faultAnswers.set(key, (this.faultAnswers.get(key) ?? 0) + 1);
  }

  reset(): void {
    this.tokenAnswers = new Map();
    this.httpAnswers = new Map();
    this.delayedCalls = 0;
    this.delayedMs = 0;
    this.faultAnswers = new Map();
    this.since = this.nowMs();
  }

  snapshot() {
    return {
      since: new Date(this.since).toISOString(),
      token: nested(this.tokenAnswers),
      http: nested(this.httpAnswers),
      faults: {
        delayedCalls: this.delayedCalls,
        delayedMs: this.delayedMs,
        answers: Object.fromEntries(this.faultAnswers),
      },
    };
  }
}

function bump(table: Map<string, Map<string, number>>, outer: string, inner: string): void {
  let row = table.get(outer);
  if (!row) {
    row = new Map();
    table.set(outer, row);
  }
  row.set(inner, (row.get(inner) ?? 0) + 1);
}

function nested(table: Map<string, Map<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...table].map(([outer, row]) => [outer, Object.fromEntries(row)]));
}
