/**
 * One autocannon run against one URL, reduced to the figures the benchmark reports. The load runs
 * in an autocannon worker thread, so the client does not share the bot's event loop: with the
 * client in-process, every request it makes would be billed to the bot.
 */

/** The part of autocannon 8/9's API and result this benchmark uses (the package ships no types). */
interface AutocannonOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  workers: number;
  timeout: number;
}
interface AutocannonHistogram {
  average: number;
  p50: number;
  p99: number;
  totalCount?: number;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: AutocannonHistogram;
  requests: AutocannonHistogram & { sent: number };
}
type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

export interface LoadSpec {
  readonly url: string;
  readonly body: string;
  readonly connections: number;
  readonly durationSeconds: number;
}

export interface LoadFigures {
  /** Completed 2xx responses per second of the run. */
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Socket errors and timeouts: the run did not measure what it meant to. */
  readonly errors: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly seconds: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const result = await autocannon({
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: spec.body,
    connections: spec.connections,
    duration: spec.durationSeconds,
    workers: 1,
    timeout: 10,
  });
  // Answered requests over the run's wall time (`duration`, seconds): only what the bot actually completed counts.
  const seconds = result.duration > 0 ? result.duration : spec.durationSeconds;
  return {
    requestsPerSecond: result['2xx'] / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    meanMs: result.latency.average,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count])),
    seconds,
  };
}
