import { arch, cpus, loadavg, platform } from 'node:os';
import { parseArgs } from 'node:util';
import { personalMessage } from './benchActivity';
import type { BotProcess, BotSnapshot } from './botProcess';
import { CountingConnectorService, startCountingConnectorService } from './countingConnectorService';
import { LoadFigures, runLoad } from './loadRun';
import { ECHO_PATH, STATUS_TEXT } from './seeding';
import { countsBetween, StoreRequestCounts } from './storeRequests';
import { botKindsFor, Route, ROUTE_NAMES, RouteName, startRouteBots } from './turnsBots';

/**
 * `npm run bench:turns` — requests/s, latency and store requests per turn of a real
 * `status <tenant>` turn, against baselines measured in the same run:
 *
 *   floor   the thinnest botbuilder bot that does a status turn's I/O: two Cosmos point reads
 *           through @azure/cosmos against local mode's embedded server, then a reply
 *           (bench/floorBot.ts, its own process). Target: status ≥ 0.9 × floor requests/s.
 *   stack   the floor's two reads on the product's chosen stack with nothing of the product's own:
 *           teams-ai's adapter and Application, one route, the status card the product answered
 *           (bench/stackFloorBot.ts, its own process). Information: what the stack and a card reply
 *           cost a turn before any of the product's code runs.
 *   echo    a bare echo turn on the product's own adapter and HTTP edge, no I/O (information).
 *   compare with --compare <git revision>: the same status turn served by the product at that
 *           revision (its own process, from a temporary worktree): whether a change moved the cost,
 *           measured beside it in the same run, not against figures from another day.
 *
 * Each bot runs in `--instances` processes of its own (bench/turnsBots.ts): the bot under test
 * (bench/productBot.ts: the product composed as `npm start` composes it in local mode, embedded
 * Cosmos server inside, plus the echo route), the floors, the compared revision. This process is
 * the driver: the load generator (autocannon, in one worker thread) and the Bot Connector stand-in
 * every bot replies to. Store requests are counted at each bot's embedded server
 * (bench/storeRequests.ts). Rounds rotate over the processes and alternate the order of the routes;
 * every figure compared is the median over the rounds.
 *
 * Exit code: 0 whether the target is met or not (the figure is the result); 1 when a run had
 * errors, non-2xx answers, logged errors or a wrong reply, because then it measured something else.
 */

const FLOOR_TARGET = 0.9;
/** The former target, against echo: kept as information. */
const ECHO_TARGET = 0.7;
const MIN_ROUNDS_FOR_VERDICT = 3;

const loadAverage = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)`;

interface Options {
  durationSeconds: number;
  connections: number;
  warmupSeconds: number;
  rounds: number;
  idleSeconds: number;
  /** Profiling aid: load these routes only. */
  only?: readonly RouteName[];
  /** Profiling aid: a CPU profile of the serving bot's main thread for each measured run, in this directory. */
  profileDir?: string;
  /** A git revision whose product serves the `compare` route. */
  compare?: string;
  /** Processes per bot: round r is served by process (r - 1) mod N + 1 of each, so no one process's luck decides. */
  instances: number;
}

function readOnly(raw: string | undefined): readonly RouteName[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((n) => n.trim());
  for (const n of names) if (!(ROUTE_NAMES as readonly string[]).includes(n)) throw new Error(`--only takes ${ROUTE_NAMES.join(', ')} (comma-separated; got "${raw}")`);
  return names as RouteName[];
}

function readOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      // Many short rounds: on a noisy machine the median of 3 rounds of 10 s moved by ±15 % between runs.
      duration: { type: 'string', default: '4' },
      connections: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '12' },
      idle: { type: 'string', default: '5' },
      only: { type: 'string' },
      profile: { type: 'string' },
      compare: { type: 'string' },
      instances: { type: 'string', default: '3' },
    },
  });
  const bounded = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return n;
  };
  const rounds = bounded('rounds', values.rounds!, 1, 30);
  const instances = bounded('instances', values.instances!, 1, 5);
  if (rounds < instances) throw new Error(`--rounds (${rounds}) must be at least --instances (${instances}): every process serves a round`);
  return {
    durationSeconds: bounded('duration', values.duration!, 1, 120),
    connections: bounded('connections', values.connections!, 1, 200),
    warmupSeconds: bounded('warmup', values.warmup!, 0, 30),
    rounds,
    idleSeconds: bounded('idle', values.idle!, 0, 60),
    only: readOnly(values.only),
    profileDir: values.profile,
    compare: values.compare,
    instances,
  };
}

interface Measured extends LoadFigures {
  readonly route: RouteName;
  readonly round: number;
  /** Which of the route's processes served the run (1-based). */
  readonly instance: number;
  /** Replies that reached the connector during the run and its drain: every turn sends one. */
  readonly replies: number;
  readonly wrongReply?: string;
  /** Size of the last reply's body as the connector received it. */
  readonly replyBytes: number;
  /** Share of the run the serving bot's event loop was busy: near 100 %, the bot is the limit. */
  readonly loopBusyShare: number;
  /** CPU time of the serving bot's process per turn (all its threads; its embedded Cosmos server included). */
  readonly cpuMsPerTurn: number;
  /** Store requests during the run, counted at the serving bot's Cosmos server, background subtracted. */
  readonly storeRequests: number;
  readonly storeByKind: Readonly<Record<string, number>>;
  readonly loggedErrors: number;
}

/** Store requests per second the bot makes when nobody talks to it (lease renewal, orphan sweep). */
interface Background {
  readonly perSecond: number;
  readonly byKindPerSecond: Readonly<Record<string, number>>;
  readonly seconds: number;
}

const noBackground: Background = { perSecond: 0, byKindPerSecond: {}, seconds: 0 };
/** Warm-ups subtract nothing: they are not figures. */
const noBackgrounds: ReadonlyMap<BotProcess, Background> = new Map();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function idleBackground(bot: BotProcess, seconds: number): Promise<Background> {
  if (seconds === 0) return noBackground;
  const before = await bot.snapshot();
  const start = performance.now();
  await sleep(seconds * 1000);
  const after = await bot.snapshot();
  const elapsed = (performance.now() - start) / 1000;
  const counts = countsBetween(before.store, after.store);
  return {
    perSecond: counts.total / elapsed,
    byKindPerSecond: Object.fromEntries(Object.entries(counts.byKind).map(([k, n]) => [k, n / elapsed])),
    seconds: elapsed,
  };
}

/**
 * autocannon stops at the deadline and drops its sockets, but turns already inside the bot run on.
 * Waiting for them keeps one run's tail out of the next run.
 */
async function drain(bot: BotProcess, timeoutMs = 15_000): Promise<BotSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = await bot.snapshot();
    if (snapshot.inflight === 0) return snapshot;
    if (Date.now() > deadline) throw new Error(`${bot.name}: ${snapshot.inflight} request(s) still in flight ${timeoutMs} ms after the run`);
    await sleep(20);
  }
}

function subtractBackground(counts: StoreRequestCounts, background: Background, seconds: number): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(counts.byKind)) byKind[kind] = Math.max(0, n - (background.byKindPerSecond[kind] ?? 0) * seconds);
  return { total: Math.max(0, counts.total - background.perSecond * seconds), byKind };
}

async function measure(
  connector: CountingConnectorService,
  route: Route,
  instance: number,
  options: Options,
  seconds: number,
  round: number,
  backgrounds: ReadonlyMap<BotProcess, Background>,
  profile?: string,
): Promise<Measured> {
  const { bot, url } = route.servers[instance - 1];
  const background = backgrounds.get(bot) ?? noBackground;
  const body = JSON.stringify(personalMessage(connector.serviceUrl, STATUS_TEXT));
  if (profile && options.profileDir) await bot.profileStart(options.profileDir, profile);
  const repliesBefore = connector.count();
  const before = await bot.snapshot();
  const start = performance.now();
  const figures = await runLoad({ url, body, connections: options.connections, durationSeconds: seconds });
  const after = await drain(bot);
  const wallSeconds = (performance.now() - start) / 1000;
  if (profile && options.profileDir) await bot.profileStop();
  const replies = connector.count() - repliesBefore;
  const last = connector.lastBody() ?? '';
  const loopActive = after.loopActiveMs - before.loopActiveMs;
  const loopIdle = after.loopIdleMs - before.loopIdleMs;
  const store = subtractBackground(countsBetween(before.store, after.store), background, wallSeconds);
  return {
    ...figures,
    route: route.name,
    round,
    instance,
    replies,
    wrongReply: last.includes(route.replyMarker) ? undefined : last.slice(0, 300),
    replyBytes: Buffer.byteLength(last),
    loopBusyShare: loopActive / Math.max(1, loopActive + loopIdle),
    cpuMsPerTurn: replies > 0 ? (after.cpuMs - before.cpuMs) / replies : 0,
    storeRequests: store.total,
    storeByKind: store.byKind,
    loggedErrors: after.loggedErrors - before.loggedErrors,
  };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

interface RouteSummary {
  readonly route: RouteName;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly storePerTurn: number;
  readonly cpuMsPerTurn: number;
  readonly loopBusyShare: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly replies: number;
  /** Over all its rounds: store requests of each kind per turn. */
  readonly storeByKindPerTurn: Readonly<Record<string, number>>;
}

/** A route over its rounds: the median of each round's figure; counts are sums. */
function summarize(route: RouteName, runs: readonly Measured[]): RouteSummary {
  const sum = (pick: (m: Measured) => number) => runs.reduce((total, m) => total + pick(m), 0);
  const replies = sum((m) => m.replies);
  const byKind: Record<string, number> = {};
  for (const m of runs) for (const [kind, n] of Object.entries(m.storeByKind)) byKind[kind] = (byKind[kind] ?? 0) + n;
  return {
    route,
    requestsPerSecond: median(runs.map((m) => m.requestsPerSecond)),
    p50Ms: median(runs.map((m) => m.p50Ms)),
    p99Ms: median(runs.map((m) => m.p99Ms)),
    storePerTurn: median(runs.map((m) => (m.replies > 0 ? m.storeRequests / m.replies : 0))),
    cpuMsPerTurn: median(runs.map((m) => m.cpuMsPerTurn)),
    loopBusyShare: median(runs.map((m) => m.loopBusyShare)),
    ok: sum((m) => m.ok),
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    replies,
    storeByKindPerTurn: Object.fromEntries(Object.entries(byKind).map(([k, n]) => [k, replies > 0 ? n / replies : 0])),
  };
}

const fixed = (n: number, digits = 1, width = 9) => n.toFixed(digits).padStart(width);
const count = (n: number) => String(n).padStart(8);
const header =
  `${'route'.padEnd(26)}${['req/s', 'p50 ms', 'p99 ms'].map((h) => h.padStart(9)).join('')}${'store/turn'.padStart(11)}${'CPU ms/turn'.padStart(12)}${'loop busy'.padStart(10)}` +
  `${['2xx', 'non-2xx', 'errors', 'replies'].map((h) => h.padStart(8)).join('')}`;
/** One line of the table, for a run or a route's summary. */
const row = (label: string, f: Pick<RouteSummary, 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'storePerTurn' | 'cpuMsPerTurn' | 'loopBusyShare' | 'ok' | 'non2xx' | 'errors' | 'replies'>) =>
  `${label.padEnd(26)}${fixed(f.requestsPerSecond)}${fixed(f.p50Ms)}${fixed(f.p99Ms)}${fixed(f.storePerTurn, 2, 11)}` +
  `${fixed(f.cpuMsPerTurn, 2, 12)}${`${(f.loopBusyShare * 100).toFixed(0)} %`.padStart(10)}${count(f.ok)}${count(f.non2xx)}${count(f.errors)}${count(f.replies)}`;
const runRow = (m: Measured) => row(`${m.route} round ${m.round} #${m.instance}`, { ...m, storePerTurn: m.replies > 0 ? m.storeRequests / m.replies : 0 });
const labels: Record<RouteName, string> = { floor: 'floor  (floor bot)', stack: 'stack  (teams-ai floor)', status: 'status /api/messages', echo: `echo   ${ECHO_PATH}`, compare: 'compare (--compare)' };
const summaryRow = (s: RouteSummary) => row(labels[s.route], s);

function problemsOf(m: Measured, what: string): string[] {
  const problems: string[] = [];
  if (m.errors > 0 || m.non2xx > 0) problems.push(`${what}: ${m.errors} errors/timeouts, ${m.non2xx} non-2xx (status codes ${JSON.stringify(m.statusCodes)})`);
  if (m.replies < m.ok) problems.push(`${what}: ${m.ok} answers but only ${m.replies} replies reached the connector`);
  if (m.wrongReply !== undefined) problems.push(`${what}: the last reply was not the expected one: ${m.wrongReply}`);
  if (m.loggedErrors > 0) problems.push(`${what}: ${m.loggedErrors} error(s) logged by the bot (see stderr)`);
  return problems;
}

/** Each round's ratio (the two runs are minutes apart at most, so they share the machine's mood), then the median. */
function ratioOverRounds(runs: readonly Measured[], top: RouteName, bottom: RouteName): { median: number; perRound: number[] } | undefined {
  const perRound: number[] = [];
  for (const round of new Set(runs.map((m) => m.round))) {
    const a = runs.find((m) => m.round === round && m.route === top);
    const b = runs.find((m) => m.round === round && m.route === bottom);
    if (a && b && b.requestsPerSecond > 0) perRound.push(a.requestsPerSecond / b.requestsPerSecond);
  }
  return perRound.length > 0 ? { median: median(perRound), perRound } : undefined;
}

function printBreakdown(summary: RouteSummary): void {
  const kinds = Object.entries(summary.storeByKindPerTurn).filter(([, n]) => n >= 0.005).sort((a, b) => b[1] - a[1]);
  console.log(`store requests per ${summary.route} turn, by kind (all rounds, ${summary.replies} turns):`);
  if (kinds.length === 0) console.log('  none');
  for (const [kind, n] of kinds) console.log(`  ${n.toFixed(2).padStart(6)}  ${kind}`);
}

/** Each process's median CPU per turn over the rounds it served: how far one process of a bot is from another. */
function perProcessCpu(runs: readonly Measured[], route: RouteName, instances: number): string {
  const figures: string[] = [];
  for (let i = 1; i <= instances; i += 1) {
    const mine = runs.filter((m) => m.route === route && m.instance === i);
    figures.push(mine.length > 0 ? median(mine.map((m) => m.cpuMsPerTurn)).toFixed(2) : '–');
  }
  return figures.join(' | ');
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  const offered = ROUTE_NAMES.filter((r) => r !== 'compare' || options.compare !== undefined);
  const chosen = options.only ? offered.filter((r) => options.only!.includes(r)) : offered;
  if (options.only?.includes('compare') && options.compare === undefined) throw new Error('--only compare needs --compare <git revision>');
  // The whole process is bounded: starts, warm-ups, idle window and rounds, with room for drains and stops.
  const processes = options.instances * botKindsFor(chosen);
  const limitSeconds = Math.ceil(120 + 30 * processes + options.idleSeconds * 2 + chosen.length * (options.warmupSeconds * options.instances + options.rounds * options.durationSeconds) * 1.5);
  const cleanups: (() => void)[] = [];
  setTimeout(() => {
    process.stderr.write(`bench/turns: still running after ${limitSeconds} s; stopping.\n`);
    // The bots stop with the driver (IPC disconnect); a compare worktree would stay behind.
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    process.exit(2);
  }, limitSeconds * 1000).unref();

  const cpuList = cpus();
  console.log(`bench/turns  ${new Date().toISOString()}`);
  console.log(`machine      node ${process.version}, ${platform()} ${arch()}, ${cpuList.length} CPU(s) (${cpuList[0]?.model.trim() ?? 'unknown'}), ${loadAverage()}`);
  console.log(
    `load         autocannon (1 worker thread of the driver process), ${options.connections} connections, ${options.durationSeconds} s per route per round, ` +
      `${options.rounds} round(s) on ${options.instances} process(es) per bot in turn, ${options.warmupSeconds} s warm-up per process; the activity: "${STATUS_TEXT}" from the local bootstrap admin`,
  );

  const connector = await startCountingConnectorService();
  const bots: BotProcess[] = [];
  try {
    const instances = options.instances;
    const { routes, processes: started, compareLabel } = await startRouteBots({ chosen, instances, compare: options.compare }, connector, bots, cleanups);
    console.log(`processes    driver ${process.pid} (load + connector), ${started}`);
    const routeOf = (name: RouteName): Route => routes.get(name)!;
    const instanceOf = (round: number) => ((round - 1) % instances) + 1;

    const warmups: Measured[] = [];
    for (const name of options.warmupSeconds > 0 ? chosen : []) {
      for (let i = 1; i <= instances; i += 1) warmups.push(await measure(connector, routeOf(name), i, options, options.warmupSeconds, 0, noBackgrounds));
    }

    // What each bot asks its store when nobody talks to it; subtracted from every run, kind by kind.
    // All bots in one window: nobody talks to any of them during it.
    const backgrounds = new Map<BotProcess, Background>();
    const idle = await Promise.all(bots.map((bot) => idleBackground(bot, options.idleSeconds)));
    bots.forEach((bot, i) => backgrounds.set(bot, idle[i]));

    const runs: Measured[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      // Alternate the order, so neither baseline always runs first (or last) beside status; by cycles
      // over the processes, so each process serves both orders whatever their number.
      const forward = Math.floor((round - 1) / instances) % 2 === 0;
      const order = forward ? chosen : [...chosen].reverse();
      const instance = instanceOf(round);
      for (const name of order) {
        runs.push(await measure(connector, routeOf(name), instance, options, options.durationSeconds, round, backgrounds, options.profileDir ? `${name}-round${round}-p${instance}` : undefined));
      }
    }

    console.log('');
    if (options.profileDir) console.log(`CPU profiles in ${options.profileDir} (the figures include the profiler's overhead)`);
    for (const bot of bots) {
      const b = backgrounds.get(bot)!;
      if (b.seconds > 0) console.log(`background   ${bot.name}: ${b.perSecond.toFixed(2)} store requests/s when idle (${b.seconds.toFixed(1)} s window), subtracted from its runs`);
    }
    console.log(header);
    for (const m of runs) console.log(runRow(m));
    const summaries = chosen.map((name) => summarize(name, runs.filter((m) => m.route === name)));
    console.log(`median of ${options.rounds} round(s) (2xx, non-2xx, errors, replies: totals):`);
    for (const s of summaries) console.log(summaryRow(s));

    console.log('');
    const verdictPossible = options.rounds >= MIN_ROUNDS_FOR_VERDICT;
    /** One ratio over the rounds, printed when both routes ran; `note` says what it means. */
    const printRatio = (top: RouteName, bottom: RouteName, note: (median: number) => string) => {
      const ratio = ratioOverRounds(runs, top, bottom);
      if (!ratio) return;
      const rounds = ratio.perRound.map((x) => x.toFixed(3)).join(', ');
      console.log(`ratio ${`${top}/${bottom}`.padEnd(12)} (req/s): ${ratio.median.toFixed(3)}  ${note(ratio.median)}  (median of rounds: ${rounds})`);
    };
    printRatio('status', 'floor', (median) => `target >= ${FLOOR_TARGET}  ${verdictPossible ? (median >= FLOOR_TARGET ? 'PASS' : 'FAIL') : `no verdict (fewer than ${MIN_ROUNDS_FOR_VERDICT} rounds)`}`);
    printRatio('stack', 'floor', () => 'information: teams-ai and the card reply, no product code');
    printRatio('status', 'stack', () => "information: the product's own code and HTTP edge on that stack");
    printRatio('status', 'echo', () => `information (former target >= ${ECHO_TARGET})`);
    // CPU per turn moves less than req/s when other work shares the CPUs: it tells a noisy run from a real change.
    const cpuOf = (name: RouteName) => summaries.find((s) => s.route === name)?.cpuMsPerTurn;
    const [floorCpu, stackCpu, statusCpu, compareCpu] = [cpuOf('floor'), cpuOf('stack'), cpuOf('status'), cpuOf('compare')];
    if (compareLabel) {
      printRatio('status', 'compare', () => `this tree against ${compareLabel}`);
      if (compareCpu && statusCpu) console.log(`cost ratio compare/status (CPU ms per turn): ${(compareCpu / statusCpu).toFixed(3)}  (above 1: this tree's turn costs less)`);
      // What the target would read at the compared revision: whether a change under trial would meet it.
      printRatio('compare', 'floor', () => `information: ${compareLabel} against the target >= ${FLOOR_TARGET}`);
    }
    if (floorCpu && statusCpu) console.log(`cost ratio floor/status (CPU ms per turn of the serving process): ${(floorCpu / statusCpu).toFixed(3)}  (information)`);
    if (floorCpu && stackCpu) console.log(`cost ratio floor/stack  (CPU ms per turn of the serving process): ${(floorCpu / stackCpu).toFixed(3)}  (information)`);
    if (instances > 1) {
      console.log(`CPU ms per turn of each process (median of the rounds it served; ${instances} processes per bot):`);
      for (const name of chosen) console.log(`  ${name.padEnd(8)} ${perProcessCpu(runs, name, instances)}`);
    }
    console.log(`machine      ${loadAverage()} at the end`);

    console.log(`reply bodies to the connector: ${chosen.map((name) => `${name} ${runs.find((m) => m.route === name)?.replyBytes ?? 0} bytes`).join(', ')}`);
    console.log('');
    for (const s of summaries) if (s.route !== 'echo' || Object.keys(s.storeByKindPerTurn).length > 0) printBreakdown(s);

    const failures = [...warmups.flatMap((m) => problemsOf(m, `${m.route} warm-up #${m.instance}`)), ...runs.flatMap((m) => problemsOf(m, `${m.route} round ${m.round} #${m.instance}`))];
    for (const f of failures) console.error(`RUN ERROR ${f}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    await Promise.all(bots.map((bot) => bot.stop().catch(() => undefined)));
    await connector.close();
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
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
