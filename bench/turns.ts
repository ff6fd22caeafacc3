import { arch, cpus, loadavg, platform } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { RunningBot } from '../bot/compose';
import { ADMIN_EMAIL, BenchBot, ECHO_PATH, startBenchBot, STATUS_TEXT } from './benchBot';
import { CpuProfiler, startCpuProfiler } from './cpuProfile';
import { LoadFigures, runLoad } from './loadRun';

/**
 * `npm run bench:turns` — requests/s and latency of a real `status <tenant>` turn (restify → body
 * read + inbound auth → CloudAdapter → teams-ai Application → staff check → Cosmos → card → reply to
 * the connector), against a bare echo turn on the same adapter behind the same HTTP edge, in the
 * same process and the same run. Target: status ≥ 0.7 × echo requests/s.
 *
 * Exit code: 0 whether the target is met or not (the figure is the result); 1 when a run had
 * errors, non-2xx answers, logged errors or a wrong reply, because then it measured something else.
 */

const TARGET_RATIO = 0.7;

/** Taken before the bot starts: well above 0, other work is sharing the CPUs and both routes' figures drop. */
const loadAverage = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)`;

type RouteName = 'echo' | 'status';

interface Options {
  durationSeconds: number;
  connections: number;
  warmupSeconds: number;
  rounds: number;
  /** Profiling aid: load one route only (no ratio). */
  only?: RouteName;
  /** Profiling aid: write a CPU profile of the bot's thread for each measured run into this directory. */
  profileDir?: string;
}

function readOnly(raw: string | undefined): RouteName | undefined {
  if (raw === undefined || raw === 'echo' || raw === 'status') return raw;
  throw new Error(`--only must be echo or status (got "${raw}")`);
}

function readOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '2' },
      only: { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const bounded = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return n;
  };
  return {
    durationSeconds: bounded('duration', values.duration!, 1, 120),
    connections: bounded('connections', values.connections!, 1, 200),
    warmupSeconds: bounded('warmup', values.warmup!, 0, 30),
    rounds: bounded('rounds', values.rounds!, 1, 5),
    only: readOnly(values.only),
    profileDir: values.profile,
  };
}

interface Route {
  readonly name: RouteName;
  readonly url: string;
  /** What a correct reply contains; checked on the last reply of each run. */
  readonly replyMarker: string;
}

interface Measured extends LoadFigures {
  readonly route: RouteName;
  /** Replies that reached the connector during the run: every answered turn must have sent one. */
  readonly replies: number;
  /** The last reply of the run, if it was not the expected one. */
  readonly wrongReply?: string;
  /** Share of the run the bot's event loop was busy: near 100 %, the bot (not the load) is the limit. */
  readonly loopBusyShare: number;
  /**
   * Busy event-loop time per turn (turns counted by their replies, so the tail drained after the run
   * counts too): the bot thread's cost of one turn, including the in-process Cosmos server and connector.
   */
  readonly busyMsPerTurn: number;
}

/**
 * autocannon stops at the deadline and drops its sockets, but turns already inside the bot run on.
 * Waiting for them keeps one run's tail out of the next run, and out of the shutdown.
 */
async function drain(bot: RunningBot, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (bot.server.inflightRequests() > 0) {
    if (Date.now() > deadline) throw new Error(`${bot.server.inflightRequests()} request(s) still in flight ${timeoutMs} ms after the run`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measure(bench: BenchBot, route: Route, options: Options, seconds: number): Promise<Measured> {
  const before = bench.connector.count();
  const loopBefore = performance.eventLoopUtilization();
  const figures = await runLoad({ url: route.url, body: bench.body, connections: options.connections, durationSeconds: seconds });
  await drain(bench.bot);
  const loop = performance.eventLoopUtilization(loopBefore);
  const last = bench.connector.lastBody() ?? '';
  const replies = bench.connector.count() - before;
  return {
    ...figures,
    route: route.name,
    replies,
    wrongReply: last.includes(route.replyMarker) ? undefined : last.slice(0, 300),
    loopBusyShare: loop.utilization,
    busyMsPerTurn: replies > 0 ? loop.active / replies : 0,
  };
}

/** Several rounds of one route as one: requests over total time; the median of the rounds' latencies. */
function combine(runs: readonly Measured[]): Measured {
  if (runs.length === 1) return runs[0];
  const median = (pick: (m: Measured) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const sum = (pick: (m: Measured) => number) => runs.reduce((total, m) => total + pick(m), 0);
  const seconds = sum((m) => m.seconds);
  return {
    ...runs[0],
    requestsPerSecond: sum((m) => m.ok) / seconds,
    p50Ms: median((m) => m.p50Ms),
    p99Ms: median((m) => m.p99Ms),
    meanMs: median((m) => m.meanMs),
    ok: sum((m) => m.ok),
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    replies: sum((m) => m.replies),
    seconds,
    loopBusyShare: sum((m) => m.loopBusyShare * m.seconds) / seconds,
    busyMsPerTurn: sum((m) => m.busyMsPerTurn * m.replies) / sum((m) => m.replies),
    wrongReply: runs.find((m) => m.wrongReply !== undefined)?.wrongReply,
  };
}

const fixed = (n: number, digits = 1) => n.toFixed(digits).padStart(9);
const count = (n: number) => String(n).padStart(8);
const header =
  `${'route'.padEnd(24)}${['req/s', 'p50 ms', 'p99 ms', 'mean ms'].map((h) => h.padStart(9)).join('')}` +
  `${['2xx', 'non-2xx', 'errors', 'replies'].map((h) => h.padStart(8)).join('')}${'loop busy'.padStart(10)}${'busy ms/turn'.padStart(13)}`;
const row = (label: string, m: Measured) =>
  `${label.padEnd(24)}${fixed(m.requestsPerSecond)}${fixed(m.p50Ms)}${fixed(m.p99Ms)}${fixed(m.meanMs)}` +
  `${count(m.ok)}${count(m.non2xx)}${count(m.errors)}${count(m.replies)}${`${(m.loopBusyShare * 100).toFixed(0)} %`.padStart(10)}${m.busyMsPerTurn.toFixed(2).padStart(13)}`;
const label = (name: RouteName) => (name === 'echo' ? `echo   ${ECHO_PATH}` : 'status /api/messages');

function problemsOf(m: Measured, what: string): string[] {
  const problems: string[] = [];
  if (m.errors > 0 || m.non2xx > 0) problems.push(`${what}: ${m.errors} errors/timeouts, ${m.non2xx} non-2xx (status codes ${JSON.stringify(m.statusCodes)})`);
  if (m.replies < m.ok) problems.push(`${what}: ${m.ok} answers but only ${m.replies} replies reached the connector`);
  if (m.wrongReply !== undefined) problems.push(`${what}: the last reply was not the expected one: ${m.wrongReply}`);
  return problems;
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  // The whole process is bounded: warm-ups and rounds of both routes, with room for start, drain and stop.
  const limitSeconds = Math.ceil(60 + 2 * (options.warmupSeconds + options.rounds * options.durationSeconds) * 1.5);
  setTimeout(() => {
    process.stderr.write(`bench/turns: still running after ${limitSeconds} s; stopping.\n`);
    process.exit(2);
  }, limitSeconds * 1000).unref();

  const cpuList = cpus();
  console.log(`bench/turns  ${new Date().toISOString()}`);
  console.log(`machine      node ${process.version}, ${platform()} ${arch()}, ${cpuList.length} CPU(s) (${cpuList[0]?.model.trim() ?? 'unknown'}), ${loadAverage()}`);
  console.log(
    `load         autocannon (1 worker thread), ${options.connections} connections, ${options.durationSeconds} s per route per round, ` +
      `${options.rounds} round(s), ${options.warmupSeconds} s warm-up per route; the activity: "${STATUS_TEXT}" from the local bootstrap admin`,
  );

  const bench = await startBenchBot();
  let profiler: CpuProfiler | undefined;
  try {
    const routes: readonly Route[] = [
      { name: 'echo', url: bench.echoUrl, replyMarker: `"text":"${STATUS_TEXT}"` },
      { name: 'status', url: bench.statusUrl, replyMarker: ADMIN_EMAIL },
    ];
    const chosen = options.only ? routes.filter((r) => r.name === options.only) : routes;

    const errorsBeforeLoad = bench.logs.errors();
    const warmups: Measured[] = [];
    for (const route of options.warmupSeconds > 0 ? chosen : []) warmups.push(await measure(bench, route, options, options.warmupSeconds));

    profiler = options.profileDir ? await startCpuProfiler(options.profileDir) : undefined;
    const runs: Measured[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      // Alternate the order, so neither route always runs first on a freshly collected heap.
      const order = round % 2 === 0 ? chosen : [...chosen].reverse();
      for (const route of order) {
        const run = () => measure(bench, route, options, options.durationSeconds);
        runs.push(await (profiler ? profiler.around(`${route.name}-round${round + 1}`, run) : run()));
      }
    }
    const loggedErrors = bench.logs.errors() - errorsBeforeLoad;

    console.log('');
    if (profiler) console.log(`CPU profiles in ${options.profileDir} (the figures include the profiler's overhead)`);
    console.log(header);
    if (options.rounds > 1) runs.forEach((m, i) => console.log(row(`${m.route} round ${Math.floor(i / chosen.length) + 1}`, m)));
    const totals = chosen.map((route) => combine(runs.filter((m) => m.route === route.name)));
    for (const m of totals) console.log(row(label(m.route), m));

    const echo = totals.find((m) => m.route === 'echo');
    const status = totals.find((m) => m.route === 'status');
    if (echo && status) {
      const ratio = status.requestsPerSecond / echo.requestsPerSecond;
      console.log('');
      console.log(`ratio status/echo (req/s): ${ratio.toFixed(3)}  target >= ${TARGET_RATIO}  ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`);
      // With the bot's loop saturated (loop busy near 100 %), req/s ≈ 1000 / busy ms per turn, so this ratio
      // explains the one above: the difference is work the status turn does on the bot's thread.
      console.log(`cost ratio echo/status (busy ms per turn): ${(echo.busyMsPerTurn / status.busyMsPerTurn).toFixed(3)}  (information only)`);
    }

    const failures = [
      ...warmups.flatMap((m) => problemsOf(m, `${m.route} warm-up`)),
      ...runs.flatMap((m) => problemsOf(m, m.route)),
      ...(loggedErrors > 0 ? [`${loggedErrors} error(s) logged during the load (see stderr)`] : []),
    ];
    for (const f of failures) console.error(`RUN ERROR ${f}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    await profiler?.close();
    await bench.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench/turns failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
